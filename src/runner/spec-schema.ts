import { z } from 'zod';
import { StepFailure } from '../errors';
import { isToken } from '../schema/token';
import { hostSchema } from '../schema/host';
import { problemsFromZod } from '../validate';
import type { StepSpec } from '../step';

const actionSchema = z.looseObject({ kind: z.string().min(1) });

const stepSpecSchema = z.strictObject({
  specVersion: z.literal(1),
  id: z.string().min(1),
  description: z.string(),
  host: hostSchema,
  actions: z.array(actionSchema),
  when: z.enum(['create', 'destroy']),
});

/**
 * Parses the spec Terraform hands over. Values that were Tokens at synth time are now resolved, so
 * the host is validated again in full (an address from another resource is checked here).
 */
export function parseStepSpec(raw: string): StepSpec {
  if (isToken(raw))
    throw new StepFailure(
      'the step spec still holds an unresolved cdktf Token; it was not synthesized through cdktf',
    );
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new StepFailure(`the step spec is not valid JSON: ${(error as Error).message}`);
  }
  const result = stepSpecSchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    const problems = problemsFromZod('step spec', json, result.error)
      .map((p) => `${p.propertyPath}: received ${p.received}; ${p.expected}`)
      .join('\n  ');
    throw new StepFailure(`the step spec is invalid:\n  ${problems}`);
  }
  return result.data as unknown as StepSpec;
}
