import { Construct } from 'constructs';
import { z } from 'zod';
import type { Action } from './actions';
import { StepResources } from './engine/step-resources';
import { EVEN_WITH_FIELD_ERRORS } from './schema/common';
import { builtinActionSchema } from './schema/actions';
import { HostProps, hostSchema } from './schema/host';
import { Step, STEP_ID } from './step';
import { parseProps } from './validate';

export interface HostStepProps {
  /** Unique within the construct: lower-case letters, digits and "-". */
  readonly id: string;
  /** What the step achieves, for progress lines. */
  readonly description: string;
  readonly host: HostProps;
  /** Carried out in order, each as check → apply if needed → verify. */
  readonly actions: readonly Action[];
  /** @default [] */
  readonly after?: readonly string[];
  /** @default "create" */
  readonly when?: 'create' | 'destroy';
}

export interface HostStepsProps {
  readonly steps: readonly HostStepProps[];
}

const hostStepsSchema = z
  .strictObject({
    steps: z
      .array(
        z.strictObject({
          id: z
            .string()
            .regex(STEP_ID, { error: 'expected lower-case letters, digits and "-", at most 63 characters' }),
          description: z.string().min(1, { error: 'describe what the step achieves' }),
          host: hostSchema,
          actions: z.array(builtinActionSchema).min(1, { error: 'a step needs at least one action' }),
          after: z.array(z.string()).default([]),
          when: z.enum(['create', 'destroy']).default('create'),
        }),
      )
      .min(1, { error: 'expected at least one step' }),
  })
  .superRefine((props, ctx) => {
    const steps = Array.isArray(props.steps) ? props.steps : [];
    const ids = new Set<string>();
    steps.forEach((step, i) => {
      if (ids.has(step?.id))
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'id'],
          input: step.id,
          message: 'another step already has this id; ids must be unique',
        });
      ids.add(step?.id);
    });
    steps.forEach((step, i) =>
      (Array.isArray(step?.after) ? step.after : []).forEach((dep, j) => {
        if (!ids.has(dep))
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'after', j],
            input: dep,
            message: `no step has this id; expected one of ${[...ids].join(', ')}`,
          });
      }),
    );
  }, EVEN_WITH_FIELD_ERRORS);

/**
 * Generic steps on existing hosts: files, structured config keys, lines, guarded commands. The
 * building block the failover constructs are made of, open for anything they do not cover.
 */
export class HostSteps extends Construct {
  public readonly steps: readonly Step[];

  constructor(scope: Construct, id: string, props: HostStepsProps) {
    super(scope, id);
    const config = parseProps(this, hostStepsSchema, props);
    this.steps = config.steps.map((s) => ({ ...s, actions: s.actions as Action[] }));
    new StepResources(this, 'Steps', { steps: this.steps });
  }
}
