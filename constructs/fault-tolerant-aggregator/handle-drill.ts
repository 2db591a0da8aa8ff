/**
 * The failover drill from the vendor's KB: maintenance on the active aggregator, time until the
 * other reports Active, activate the old one; then back. Refused while ActiveMQ would run twice on
 * one KahaDB (a split brain).
 */
import { sleep } from '../../src/runner/sleep';
import { shellScript } from '../../src/dialect/posix';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { AggregatorRef, DrillAction } from './actions';
import { DADAEMON_VERB } from './commands';
import { readActiveMqRunning, readAggregatorStatus } from './facts';
import { lookAtHealth, waitForHealth } from './handle-health';
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

/** Polls until the aggregator reports the state; returns the seconds it took. */
async function waitForState(
  side: Side,
  state: AggregatorState,
  timeoutSeconds: number,
  since: number,
): Promise<number> {
  const deadline = since + timeoutSeconds * 1000;
  let said = '';
  for (let attempt = 0; attempt < 100_000; attempt++) {
    const status = await readAggregatorStatus(side.host, side.ref);
    if (status.state === state) return (Date.now() - since) / 1000;
    said = status.said;
    if (Date.now() >= deadline) break;
    await sleep(500);
  }
  throw new StepFailure(
    `${side.host.label} did not report ${state} within ${timeoutSeconds} s (it says ${JSON.stringify(said)})`,
  );
}

/** One switch: `from` (Active) to maintenance, `to` takes over, `from` activated as the candidate. */
async function switchOver(from: Side, to: Side, timeoutSeconds: number): Promise<number> {
  const started = Date.now();
  await dadaemon(from, 'maintenance');
  const seconds = await waitForState(to, 'Active', timeoutSeconds, started);
  if (await readActiveMqRunning(from.host))
    throw new StepFailure(
      `ActiveMQ still runs on ${from.host.label} while ${to.host.label} is Active: two brokers on one KahaDB is a split brain. Stop it on ${from.host.label} (service activemq stop), then run dadaemon activate there; ${from.host.label} was left in Maintenance.`,
    );
  await dadaemon(from, 'activate');
  await waitForState(from, 'Inactive', timeoutSeconds, Date.now());
  return seconds;
}

async function sides(action: DrillAction, context: ActionContext): Promise<Side[]> {
  return Promise.all(action.aggregators.map(async (ref) => ({ ref, host: await context.connect(ref.host) })));
}

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
  if (await readActiveMqRunning(standby.host))
    throw new StepFailure(
      `ActiveMQ runs on ${standby.host.label}, which is Inactive: a failover now would put two brokers on one KahaDB. Stop it there (service activemq stop); nothing was switched.`,
    );
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
