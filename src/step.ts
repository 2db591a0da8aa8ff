import type { Action } from './actions';
import type { HostConfig } from './schema/host';

/**
 * One unit of work on one host: a Terraform resource of its own. Coarse on purpose (one per host
 * and phase), since Terraform's plan time grows with the number of resources.
 */
export interface Step {
  /** Unique within a plan; stable across synths (it names the Terraform resource). */
  readonly id: string;
  /** What the step achieves, in a person's words. */
  readonly description: string;
  readonly host: HostConfig;
  readonly actions: readonly Action[];
  /** Ids of the steps that must complete first. */
  readonly after: readonly string[];
  /** "destroy" steps run when the construct is removed from the stack. */
  readonly when: 'create' | 'destroy';
  /**
   * Run again whenever any step of the same construct will (its spec changed): a preflight that
   * must check every host before anything changes. Steps always run again when a step they come
   * after changed; this adds the other direction.
   * @default false
   */
  readonly rerunsWithAnyStep?: boolean;
}

/** What a step resource carries into the runner; `after` becomes Terraform's depends_on. */
export interface StepSpec {
  readonly specVersion: 1;
  readonly id: string;
  readonly description: string;
  readonly host: HostConfig;
  readonly actions: readonly Action[];
  readonly when: 'create' | 'destroy';
}

/** The environment variable through which a provisioner hands the step spec to the runner. */
export const STEP_SPEC_ENV = 'CDKTF_FAILOVER_STEP';

/** When set in terraform's environment, the runner appends every step report to this file as a JSON line. */
export const REPORT_FILE_ENV = 'CDKTF_FAILOVER_REPORT_FILE';

export const STEP_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A step id for a step per host or per item: `prefix-label` with the label in lower case and
 * anything but letters and digits as hyphens; the 1-based position when the label gives nothing
 * (a Token, say). Always matches STEP_ID.
 */
export function slugStepId(prefix: string, label: string | undefined, position: number): string {
  const slug = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${prefix}-${slug || String(position)}`.slice(0, 63).replace(/-+$/, '');
}

export function toStepSpec(step: Step): StepSpec {
  return {
    specVersion: 1,
    id: step.id,
    description: step.description,
    host: step.host,
    actions: step.actions,
    when: step.when,
  };
}

/**
 * Checks that a plan is a DAG of uniquely named steps whose dependencies exist, and returns the
 * steps in an order where every step follows its dependencies. Throws a plain Error on a bug in a
 * construct's plan function; users never cause these.
 */
export function orderSteps(steps: readonly Step[]): Step[] {
  const byId = new Map<string, Step>();
  for (const step of steps) {
    if (!STEP_ID.test(step.id)) throw new Error(`step id "${step.id}" must match ${STEP_ID}`);
    if (byId.has(step.id)) throw new Error(`two steps share the id "${step.id}"`);
    byId.set(step.id, step);
  }
  const ordered: Step[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: Step, trail: string[]): void => {
    const seen = state.get(step.id);
    if (seen === 'done') return;
    if (seen === 'visiting')
      throw new Error(`steps depend on each other in a cycle: ${[...trail, step.id].join(' → ')}`);
    state.set(step.id, 'visiting');
    for (const dep of step.after) {
      const target = byId.get(dep);
      if (!target) throw new Error(`step "${step.id}" runs after "${dep}", which is not in the plan`);
      visit(target, [...trail, step.id]);
    }
    state.set(step.id, 'done');
    ordered.push(step);
  };
  for (const step of steps) visit(step, []);
  return ordered;
}
