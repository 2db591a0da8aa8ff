/**
 * Synth-time validation of props across constructs (cdktf is imported here, so the runner bundle,
 * which uses validate.ts, stays without it).
 */
import type { IConstruct } from 'constructs';
import type { z } from 'zod';
import { Aspects, IAspect, ITerraformDependable, TerraformStack } from './cdktf';
import { ValidationError, ValidationProblem } from './errors';
import { validateProps } from './validate';

/**
 * Every construct's prop problems of one app, raised together when a stack synthesizes: one
 * ValidationError naming every construct, instead of a synth per problem. An aspect, so it runs at
 * every synth (validations can be skipped; aspects cannot), before anything is written.
 */
class PropProblems implements IAspect {
  readonly problems: ValidationProblem[] = [];
  /** Rules across constructs, run once every construct of the app exists. */
  readonly deferred: (() => ValidationProblem[])[] = [];

  visit(): void {
    for (const rule of this.deferred.splice(0)) add(this.problems, rule());
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
  const result = validateProps(scope.node.path, schema, props);
  if (result.success) return result.data;
  const collected = problemsAtSynth(scope);
  if (!collected) throw new ValidationError(result.problems);
  add(collected.problems, result.problems);
  return undefined;
}

/** Appends one by one: `push(...problems)` throws a RangeError past some 100,000 problems. */
function add(to: ValidationProblem[], problems: readonly ValidationProblem[]): void {
  for (const problem of problems) to.push(problem);
}

/** The app's collection of problems, watched at the synth of the scope's stack; none outside a stack. */
function problemsAtSynth(scope: IConstruct): PropProblems | undefined {
  let stack: IConstruct;
  try {
    stack = TerraformStack.of(scope);
  } catch {
    return undefined;
  }
  const root = scope.node.root;
  let collected = problemsOfApp.get(root);
  if (!collected) problemsOfApp.set(root, (collected = new PropProblems()));
  if (!stacksWatched.has(stack)) {
    stacksWatched.add(stack);
    Aspects.of(stack).add(collected);
  }
  return collected;
}

/**
 * A rule across constructs (a DMS must not mix hostname and VIP pairs): run at synth, once every
 * construct exists, its problems reported in the same ValidationError as every prop problem.
 * Outside a stack it runs at once.
 */
export function validateAtSynth(scope: IConstruct, rule: () => ValidationProblem[]): void {
  const collected = problemsAtSynth(scope);
  if (collected) collected.deferred.push(rule);
  else {
    const problems = rule();
    if (problems.length > 0) throw new ValidationError(problems);
  }
}

/** What `ready` is on a construct whose props were refused: the synth fails before anything uses it. */
export const REFUSED_PROPS: ITerraformDependable = { fqn: 'cdktf-failover.refused-props' };
