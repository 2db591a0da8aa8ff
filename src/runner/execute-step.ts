import type { Action } from '../actions';
import { StepFailure } from '../errors';
import { HostConfig, hostLabel } from '../schema/host';
import type { StepSpec } from '../step';
import { ActionHandler, describeAction } from './action-handler';
import type { RemoteHost } from './remote-host';

export type Outcome = 'ok' | 'changed' | 'failed';

export interface ActionReport {
  readonly action: string;
  readonly outcome: Outcome;
  readonly detail?: string;
}

export interface StepReport {
  readonly step: string;
  readonly description: string;
  readonly host: string;
  readonly outcome: Outcome;
  readonly checkOnly: boolean;
  readonly durationMs: number;
  readonly reason?: string;
  readonly actions: readonly ActionReport[];
}

export interface ExecuteOptions {
  /** Opens a host; the executor closes nothing, the caller owns the connections. */
  readonly connect: (host: HostConfig) => Promise<RemoteHost>;
  readonly handlers: Readonly<Record<string, ActionHandler<never>>>;
  readonly checkOnly?: boolean;
  /** Called after each action, for live progress. */
  readonly onAction?: (report: ActionReport) => void;
}

/**
 * Runs a step's actions in order on its host. The first failure stops the step: later actions
 * depend on earlier ones (a mount needs its fstab line).
 */
export async function executeStep(spec: StepSpec, options: ExecuteOptions): Promise<StepReport> {
  const started = Date.now();
  const actions: ActionReport[] = [];
  const finish = (outcome: Outcome, reason?: string): StepReport => ({
    step: spec.id,
    description: spec.description,
    host: hostLabel(spec.host),
    outcome,
    checkOnly: options.checkOnly ?? false,
    durationMs: Date.now() - started,
    ...(reason ? { reason } : {}),
    actions,
  });
  let current: Action | undefined;
  try {
    const host = await options.connect(spec.host);
    for (const action of spec.actions) {
      current = action;
      const handler = options.handlers[action.kind] as ActionHandler<Action> | undefined;
      if (!handler)
        throw new StepFailure(
          `this runner has no action "${action.kind}"; the library that synthesized the stack is newer than its runner`,
        );
      const result = await handler(action, {
        host,
        connect: options.connect,
        checkOnly: options.checkOnly ?? false,
        aboutToChange: async () => {
          if (action.notifies)
            await host.setPending(action.notifies, `${spec.id}: ${describeAction(action)}`);
        },
      });
      const report: ActionReport = {
        action: describeAction(action),
        outcome: result.changed ? 'changed' : 'ok',
        ...(result.detail ? { detail: result.detail } : {}),
      };
      actions.push(report);
      options.onAction?.(report);
    }
    current = undefined;
    return finish(actions.some((a) => a.outcome === 'changed') ? 'changed' : 'ok');
  } catch (error) {
    const reason =
      error instanceof StepFailure ? error.message : `unexpected error: ${(error as Error).stack ?? error}`;
    if (current) {
      const report: ActionReport = { action: describeAction(current), outcome: 'failed', detail: reason };
      actions.push(report);
      options.onAction?.(report);
    }
    return finish('failed', reason);
  }
}
