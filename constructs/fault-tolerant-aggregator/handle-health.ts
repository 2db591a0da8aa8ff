/**
 * Health: the aggregators' states, the Consul cluster on the proxy, and the Active one's readiness
 * line since its current start. The standby runs no DA process (KB 106988): nothing here asks it
 * for one, or for its ports.
 */
import { sleep } from '../../src/runner/sleep';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { AggregatorRef, HealthAction } from './actions';
import { readAggregatorStatus, readConsulView } from './facts';
import { aggregatorProblems, AggregatorStatus, consulProblems } from './health-rules';

export interface HealthSnapshot {
  readonly statuses: readonly AggregatorStatus[];
  readonly problems: readonly string[];
}

/** One look at the whole system: every problem it has now. */
export async function lookAtHealth(
  aggregators: readonly AggregatorRef[],
  servers: number,
  context: ActionContext,
): Promise<HealthSnapshot> {
  const statuses = await Promise.all(
    aggregators.map(async (a) => readAggregatorStatus(await context.connect(a.host), a)),
  );
  let consul: string[];
  try {
    consul = consulProblems(context.host.label, await readConsulView(context.host), servers);
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    consul = [error.message];
  }
  return { statuses, problems: [...aggregatorProblems(statuses), ...consul] };
}

/** Looks again every few seconds until healthy or the time is up; the last problems name what was seen. */
export async function waitForHealth(
  aggregators: readonly AggregatorRef[],
  servers: number,
  timeoutSeconds: number,
  context: ActionContext,
): Promise<HealthSnapshot> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let snapshot = await lookAtHealth(aggregators, servers, context);
  for (
    let attempt = 0;
    snapshot.problems.length > 0 && Date.now() < deadline && attempt < 10_000;
    attempt++
  ) {
    await sleep(Math.min(3000, Math.max(0, deadline - Date.now())));
    snapshot = await lookAtHealth(aggregators, servers, context);
  }
  return snapshot;
}

// A handler, not an operation of the frame: health is a wait that changes nothing (no decide → change).
export const health: ActionHandler<HealthAction> = async (action, context) => {
  const snapshot = await waitForHealth(action.aggregators, action.servers, action.timeoutSeconds, context);
  if (snapshot.problems.length > 0)
    throw new StepFailure(
      problemList(
        `the fault-tolerant aggregators are not healthy after ${action.timeoutSeconds} s:`,
        snapshot.problems,
      ),
    );
  const roles = snapshot.statuses
    .map((s) => `${s.label} ${s.state}${s.readBy === 'process' ? ' (read from its DA process)' : ''}`)
    .join(', ');
  return {
    changed: false,
    detail: `${roles}; Consul: leader, ${action.servers} peers, all alive, no critical check`,
    // Healthy means every state was read: no status is missing here.
    hostStates: Object.fromEntries(snapshot.statuses.map((s) => [s.label, s.state ?? 'unknown'])),
  };
};
