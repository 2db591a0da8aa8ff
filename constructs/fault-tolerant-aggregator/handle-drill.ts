/**
 * The failover drill from the vendor's KB: maintenance on the active aggregator, time until the
 * other reports Active with its readiness line logged since its DA process started, activate the
 * old one (which becomes the standby: Inactive, no DA process); then back. Refused while ActiveMQ
 * would run twice on one KahaDB (a split brain).
 */
import { sleep } from '../../src/runner/sleep';
import { shellScript } from '../../src/dialect/posix';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { AggregatorRef, DrillAction } from './actions';
import { DADAEMON_VERB } from './commands';
import { readActiveMqStatus, readAggregatorStatus } from './facts';
import { lookAtHealth, waitForHealth } from './handle-health';
import { AggregatorStatus, rawAnswer, unknownStateProblem } from './health-rules';
import type { AggregatorState } from './netops';

interface Side {
  readonly ref: AggregatorRef;
  readonly host: RemoteHost;
}

async function dadaemon(side: Side, verb: 'maintenance' | 'activate'): Promise<void> {
  await side.host.runOrFail(
    { argv: shellScript(DADAEMON_VERB, side.ref.installDirectory, verb) },
    `dadaemon ${verb}`,
  );
}

/**
 * Polls until the aggregator reports the state (and, for Active, has logged its readiness line
 * since its DA process started); returns the seconds it took. Inactive asks for no DA process:
 * the standby runs none.
 */
async function waitForState(
  side: Side,
  state: AggregatorState,
  timeoutSeconds: number,
  since: number,
): Promise<number> {
  const deadline = since + timeoutSeconds * 1000;
  let last: AggregatorStatus | undefined;
  for (let attempt = 0; attempt < 100_000; attempt++) {
    last = await readAggregatorStatus(side.host, side.ref);
    if (last.state === state && (state !== 'Active' || last.ready)) return (Date.now() - since) / 1000;
    if (Date.now() >= deadline) break;
    await sleep(500);
  }
  throw new StepFailure(
    `${side.host.label} did not report ${state}${state === 'Active' ? ' and ready' : ''} within ${timeoutSeconds} s: ${whatItSays(last)}`,
  );
}

function whatItSays(last: AggregatorStatus | undefined): string {
  if (!last) return 'no answer';
  if (!last.state) return unknownStateProblem(last);
  if (last.state === 'Active' && !last.ready) return `it is Active but not ready: ${last.notReady}`;
  return `it reports ${last.state}`;
}

/**
 * Refuses unless `service activemq status` says the broker is stopped: running is a split brain in
 * the making, and "cannot tell" must not pass as "stopped" (the guard would fail open).
 */
async function requireActiveMqStopped(host: RemoteHost, why: string, leftAs: string): Promise<void> {
  const activeMq = await readActiveMqStatus(host);
  if (activeMq.state === 'stopped') return;
  if (activeMq.state === 'running')
    throw new StepFailure(
      `ActiveMQ runs on ${host.label}, ${why}: two brokers on one KahaDB is a split brain. Stop it there (service activemq stop); ${leftAs}`,
    );
  throw new StepFailure(
    `cannot tell whether ActiveMQ runs on ${host.label}, ${why}: service activemq status printed ${rawAnswer(activeMq.said, activeMq.code)}, where exit 0 means running and exit 3 stopped. Make service activemq status answer on ${host.label} (is ActiveMQ installed there under the service name activemq?) or check by hand that no broker runs there; ${leftAs}`,
  );
}

/** One switch: `from` (Active) to maintenance, `to` takes over, `from` activated as the candidate. */
async function switchOver(from: Side, to: Side, timeoutSeconds: number): Promise<number> {
  const started = Date.now();
  await dadaemon(from, 'maintenance');
  const seconds = await waitForState(to, 'Active', timeoutSeconds, started);
  await requireActiveMqStopped(
    from.host,
    `which is in Maintenance while ${to.host.label} is Active`,
    `${from.host.label} was left in Maintenance: run dadaemon activate there once no broker runs on it.`,
  );
  await dadaemon(from, 'activate');
  await waitForState(from, 'Inactive', timeoutSeconds, Date.now());
  return seconds;
}

async function sides(action: DrillAction, context: ActionContext): Promise<Side[]> {
  return Promise.all(action.aggregators.map(async (ref) => ({ ref, host: await context.connect(ref.host) })));
}

// A handler, not an operation of the frame: each switch is a wait for the other side, not a decide → change.
export const drill: ActionHandler<DrillAction> = async (action, context) => {
  const before = await lookAtHealth(action.aggregators, action.servers, context);
  if (before.problems.length > 0)
    throw new StepFailure(
      problemList('the drill needs a healthy pair to start from; nothing was switched:', before.problems),
    );
  const all = await sides(action, context);
  const activeIndex = before.statuses.findIndex((s) => s.state === 'Active');
  const active = all[activeIndex];
  const standby = all[1 - activeIndex];
  await requireActiveMqStopped(standby.host, 'which is Inactive', 'nothing was switched.');
  if (context.checkOnly)
    return { changed: true, detail: `would switch ${active.host.label} → ${standby.host.label} and back` };
  const out = await switchOver(active, standby, action.timeoutSeconds);
  const back = await switchOver(standby, active, action.timeoutSeconds);
  const after = await waitForHealth(action.aggregators, action.servers, action.timeoutSeconds, context);
  if (after.problems.length > 0)
    throw new StepFailure(
      problemList('the pair switched and back, but is not healthy after:', after.problems),
    );
  return {
    changed: true,
    detail: `switch ${active.host.label} → ${standby.host.label} in ${out.toFixed(1)} s, back in ${back.toFixed(1)} s; healthy after`,
  };
};
