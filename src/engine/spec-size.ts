/**
 * The runner receives a step's spec in one environment variable of its local-exec provisioner.
 * Linux refuses to start a program with a variable over MAX_ARG_STRLEN (32 pages: 128 KiB, counting
 * `NAME=` and the final NUL), so an oversized spec would pass synth and plan and fail only at
 * apply, with E2BIG. It is refused at synth instead.
 */
import type { IConstruct } from 'constructs';
import type { ValidationProblem } from '../errors';
import { formatPropertyPath } from '../property-path';
import { STEP_SPEC_ENV } from '../step';
import type { Step } from '../step';
import { validateAtSynth } from '../validate-at-synth';

export const MAX_ARG_STRLEN = 128 * 1024;
/** The most bytes of spec that fit beside `NAME=` and the NUL. */
export const MAX_STEP_SPEC_BYTES = MAX_ARG_STRLEN - Buffer.byteLength(`${STEP_SPEC_ENV}=`) - 1;

/** Where most of a spec's size is: the longest string in it, and its path. */
function largestString(value: unknown): { path: PropertyKey[]; bytes: number } | undefined {
  let largest: { path: PropertyKey[]; bytes: number } | undefined;
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const bytes = Buffer.byteLength(v);
      if (!largest || bytes > largest.bytes) largest = { path, bytes };
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v))
        stack.push({ value: child, path: [...path, Array.isArray(v) ? Number(key) : key] });
    }
  }
  return largest;
}

/**
 * The problems of the steps whose spec (as serialized into the trigger) would not fit in the
 * environment variable, named by the construct's `steps` property, the step and its largest value.
 */
export function oversizedSpecProblems(
  constructPath: string,
  steps: readonly Step[],
  specs: ReadonlyMap<string, string>,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  steps.forEach((step, index) => {
    const spec = specs.get(step.id);
    if (spec === undefined) return;
    const bytes = Buffer.byteLength(spec);
    if (bytes <= MAX_STEP_SPEC_BYTES) return;
    const largest = largestString({ actions: step.actions });
    const where = largest
      ? `${formatPropertyPath(largest.path)} alone is ${largest.bytes} bytes`
      : 'its actions are the bulk of it';
    problems.push({
      constructPath,
      propertyPath: `steps[${index}]`,
      received: `step "${step.id}" with a spec of ${bytes} bytes (${where})`,
      expected: `expected a step spec of at most ${MAX_STEP_SPEC_BYTES} bytes: the runner receives it in the ${STEP_SPEC_ENV} environment variable, which Linux caps at 128 KiB (MAX_ARG_STRLEN), so the step would fail at apply; keep large files out of file actions (copy them to the host another way and reference their path), or split the actions over several steps`,
    });
  });
  return problems;
}

/**
 * Refuses, at synth and in the app's one ValidationError, the steps of `scope` whose spec would
 * not fit. `scope` is the StepResources; its construct is the one the problem names.
 */
export function refuseOversizedSpecs(
  scope: IConstruct,
  steps: readonly Step[],
  specs: ReadonlyMap<string, string>,
): void {
  const problems = oversizedSpecProblems((scope.node.scope ?? scope).node.path, steps, specs);
  if (problems.length > 0) validateAtSynth(scope, () => problems);
}
