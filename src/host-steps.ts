import { Construct } from 'constructs';
import { z } from 'zod';
import type { Action } from './actions';
import { StepResources } from './engine/step-resources';
import { crossFieldRule, EVEN_WITH_FIELD_ERRORS } from './schema/common';
import { ABSOLUTE_POSIX_PATH, ABSOLUTE_WINDOWS_PATH, builtinActionSchema } from './schema/actions';
import { isToken } from './schema/token';
import { HostProps, hostSchema } from './schema/host';
import { Step, STEP_ID } from './step';
import type { ITerraformDependable } from './cdktf';
import { acknowledgementsSchema, applyAdviceRules, HOST_UNPINNED_KEY, RuleAcknowledgement } from './rules';
import { parsePropsAtSynth, REFUSED_PROPS } from './validate-at-synth';

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
  /**
   * Advice accepted, by rule id with why it does not apply here (HOST-UNPINNED-KEY: a host with
   * acceptUnknownHostKey). @default none
   */
  readonly acknowledge?: readonly RuleAcknowledgement[];
}

export const hostStepsSchema = z
  .strictObject({
    steps: z
      .array(
        z.strictObject({
          id: z
            .string()
            .regex(STEP_ID, { error: 'expected lower-case letters, digits and "-", at most 63 characters' }),
          description: z
            .string()
            .min(1, { error: 'describe what the step achieves' })
            .max(1000, { error: 'expected a description of at most 1000 characters: it is a progress line' }),
          host: hostSchema,
          actions: z.array(builtinActionSchema).min(1, { error: 'a step needs at least one action' }),
          after: z.array(z.string()).default([]),
          when: z.enum(['create', 'destroy']).default('create'),
        }),
      )
      .min(1, { error: 'expected at least one step' }),
    acknowledge: acknowledgementsSchema(HOST_UNPINNED_KEY).optional(),
  })
  .superRefine(
    crossFieldRule((props, ctx) => {
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
          if (dep === step.id)
            ctx.addIssue({
              code: 'custom',
              path: ['steps', i, 'after', j],
              input: dep,
              message: 'a step cannot run after itself; remove its own id from after',
            });
          else if (!ids.has(dep))
            ctx.addIssue({
              code: 'custom',
              path: ['steps', i, 'after', j],
              input: dep,
              message: `no step has this id; expected one of ${[...ids].join(', ')}`,
            });
        }),
      );
      const cycle = findCycle(steps);
      if (cycle)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', cycle.index, 'after'],
          input: steps[cycle.index]?.after,
          message: `steps depend on each other in a cycle (${cycle.ids.join(' → ')}); one of them must not wait for the others`,
        });
      steps.forEach((step, i) => dialectIssues(step, i, ctx));
    }),
    EVEN_WITH_FIELD_ERRORS,
  );

type ParsedStep = { id: string; after?: string[]; host?: { os?: string }; actions?: unknown[] };

/** The first cycle among the steps' `after` lists, as ids, or undefined. */
function findCycle(steps: readonly ParsedStep[]): { index: number; ids: string[] } | undefined {
  const byId = new Map(steps.map((s, i) => [s?.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    const index = byId.get(id);
    for (const dep of index === undefined ? [] : (steps[index].after ?? [])) {
      if (dep === id || !byId.has(dep)) continue;
      const found = visit(dep, [...trail, id]);
      if (found) return found;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const step of steps) {
    const ids = step?.id === undefined ? undefined : visit(step.id, []);
    if (ids) return { index: byId.get(ids[0])!, ids };
  }
  return undefined;
}

/** Paths and commands in the host's own dialect: POSIX on Linux, Windows paths and PowerShell on Windows. */
function dialectIssues(step: ParsedStep, i: number, ctx: z.RefinementCtx): void {
  const windows = step?.host?.os === 'windows';
  const issue = (path: PropertyKey[], input: unknown, message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['steps', i, 'actions', ...path], input, message });
  (Array.isArray(step?.actions) ? step.actions : []).forEach((raw, j) => {
    const action = raw as Record<string, unknown>;
    const path = action?.path;
    if (typeof path === 'string' && !isToken(path)) {
      if (windows && ABSOLUTE_POSIX_PATH.test(path))
        issue(
          [j, 'path'],
          path,
          "this step's host is Windows: expected a Windows path such as C:\\ProgramData\\app\\app.ini",
        );
      if (!windows && ABSOLUTE_WINDOWS_PATH.test(path))
        issue([j, 'path'], path, "this step's host is Linux: expected a POSIX path such as /etc/app.ini");
    }
    if (windows && action?.kind === 'file')
      for (const field of ['mode', 'owner', 'group'])
        if (action[field] !== undefined)
          issue(
            [j, field],
            action[field],
            `${field} applies to Linux hosts only; remove it for this Windows host`,
          );
    if (action?.kind === 'command')
      for (const field of ['check', 'run', 'verify']) {
        const command = action[field] as Record<string, unknown> | undefined;
        if (!command || typeof command !== 'object') continue;
        if (windows && 'argv' in command)
          issue(
            [j, field],
            command,
            'this step\'s host is Windows: expected { powershell: "script", vars: {...} }',
          );
        if (!windows && 'powershell' in command)
          issue(
            [j, field],
            command,
            'this step\'s host is Linux: expected { argv: ["program", "arg", ...] }',
          );
      }
  });
}

/**
 * Generic steps on existing hosts: files, structured config keys, lines, guarded commands. The
 * building block the failover constructs are made of, open for anything they do not cover.
 */
export class HostSteps extends Construct {
  public readonly steps: readonly Step[];
  /** The resource of each step, by id. */
  public readonly resources: ReadonlyMap<string, ITerraformDependable>;
  /** The resource of the last step in order: give it `after` on the others to make it the proof of all. */
  public readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: HostStepsProps) {
    super(scope, id);
    const config = parsePropsAtSynth(this, hostStepsSchema, props);
    if (!config) {
      this.steps = [];
      this.resources = new Map();
      this.ready = REFUSED_PROPS;
      return;
    }
    this.steps = config.steps.map((s) => ({ ...s, actions: s.actions as Action[] }));
    const acknowledge = config.acknowledge ?? [];
    this.resources = new StepResources(this, 'Steps', { steps: this.steps, acknowledge }).resources;
    this.ready = [...this.resources.values()].pop()!;
    applyAdviceRules(this, [], config, acknowledge);
  }
}
