import type { Action } from '../actions';
import { StepFailure } from '../errors';
import { HostConfig, hostLabel } from '../schema/host';
import type { StepSpec } from '../step';
import { describeAction } from './action-handler';
import type { ActionRegistry } from './action-registry';
import { ActionFailure, BuiltinAction, isBuiltinAction, runBuiltinSegment } from './builtin-batch';
import type { RemoteHost, Traffic } from './remote-host';
import type { ActionReport, Outcome, StepReport } from './step-report';

export type { ActionReport, Outcome, StepReport } from './step-report';

export interface ExecuteOptions {
  /** Opens a host; the executor closes nothing, the caller owns the connections. */
  readonly connect: (host: HostConfig) => Promise<RemoteHost>;
  readonly handlers: ActionRegistry;
  readonly checkOnly?: boolean;
  /** Called after each action, for live progress. */
  readonly onAction?: (report: ActionReport) => void;
  /** Counts the step's remote traffic (shared by every host the step connects to). */
  readonly traffic?: Traffic;
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
    roundTrips: options.traffic?.roundTrips ?? 0,
    remoteCommands: options.traffic?.remoteCommands ?? 0,
  });
  let current: Action | undefined;
  try {
    const host = await options.connect(spec.host);
    // A check reads only; a step that may change the host waits for the host's other steps.
    if (!options.checkOnly) host.holdLock();
    const record = (report: ActionReport): void => {
      actions.push(report);
      options.onAction?.(report);
    };
    for (let i = 0; i < spec.actions.length;) {
      // Consecutive built-in actions on a POSIX host run together, in a fixed number of round trips.
      if (!host.isWindows && isBuiltinAction(spec.actions[i])) {
        let end = i;
        while (end < spec.actions.length && isBuiltinAction(spec.actions[end])) end++;
        const segment = spec.actions.slice(i, end) as BuiltinAction[];
        current = segment[0];
        try {
          const reports = await runBuiltinSegment(host, segment, {
            stepId: spec.id,
            checkOnly: options.checkOnly ?? false,
            describe: describeAction,
          });
          reports.forEach(record);
        } catch (error) {
          if (error instanceof ActionFailure) {
            error.completed.forEach(record);
            current = segment[error.actionIndex];
          }
          throw error;
        }
        i = end;
        continue;
      }
      const action = spec.actions[i++];
      current = action;
      const handler = options.handlers.handlerFor(action.kind);
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
      record({
        action: describeAction(action),
        outcome: result.changed ? 'changed' : 'ok',
        ...(result.detail ? { detail: result.detail } : {}),
        ...(result.hostStates ? { hostStates: result.hostStates } : {}),
      });
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
