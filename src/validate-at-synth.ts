/**
 * Synth-time validation of props across constructs (cdktf is imported here, so the runner bundle,
 * which uses validate.ts, stays without it).
 */
import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import { Aspects, IAspect, ITerraformDependable, TerraformStack } from './cdktf';
import { ValidationError, ValidationProblem } from './errors';
import { problemsFromZod } from './validate';

/**
 * Every construct's prop problems of one app, raised together when a stack synthesizes: one
 * ValidationError naming every construct, instead of a synth per problem. An aspect, so it runs at
 * every synth (validations can be skipped; aspects cannot), before anything is written.
 */
class PropProblems implements IAspect {
  readonly problems: ValidationProblem[] = [];

  visit(): void {
    if (this.problems.length > 0) throw new ValidationError(this.problems);
  }
}

const problemsOfApp = new WeakMap<IConstruct, PropProblems>();
const stacksWatched = new WeakSet<IConstruct>();

/**
 * Validates a construct's props like parseProps, but on problems records them and returns
 * undefined: the construct plans nothing, and the synth throws one ValidationError listing the
 * problems of every construct in the app. Outside a stack (no synth to wait for) it throws at once.
 */
export function parsePropsAtSynth<Out>(
  scope: IConstruct,
  schema: z.ZodType<Out>,
  props: unknown,
): Out | undefined {
  const result = schema.safeParse(props, { reportInput: true });
  if (result.success) return result.data;
  const problems = problemsFromZod(scope.node.path, props, result.error);
  let stack: IConstruct;
  try {
    stack = TerraformStack.of(scope);
  } catch {
    throw new ValidationError(problems);
  }
  const root = scope.node.root;
  let collected = problemsOfApp.get(root);
  if (!collected) problemsOfApp.set(root, (collected = new PropProblems()));
  collected.problems.push(...problems);
  if (!stacksWatched.has(stack)) {
    stacksWatched.add(stack);
    Aspects.of(stack).add(collected);
  }
  return undefined;
}

/** What `ready` is on a construct whose props were refused: the synth fails before anything uses it. */
export const REFUSED_PROPS: ITerraformDependable = { fqn: 'cdktf-failover.refused-props' };
