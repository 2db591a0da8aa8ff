/**
 * The ordered, health-gated upgrade of a deployed site (upgrade-rules.ts decides the order): the
 * portal, the proxy, then the aggregators one at a time, each gated on health, with one planned
 * failover. Each host's moves run under this upgrade's pending marker, so a run that stops midway
 * is resumed by the next deploy where it stopped, without a second failover.
 *
 * Not an operation of the frame: its moves span several hosts and wait, between them, on the
 * health of the whole site (a failover, a health gate), where an operation changes one host and
 * verifies that host's facts. It keeps the frame's rules by hand: check mode reports the order and
 * changes nothing, a marker is set on a host before its first move and cleared after its last.
 */
import { sleep } from '../../src/runner/sleep';
import { problemList, StepFailure } from '../../src/errors';
import type { ActionContext, ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import type { AggregatorRef, InstallAction, UpgradeAction } from './actions';
import { readAggregatorStatus } from './facts';
import { lookAtHealth, waitForHealth } from './handle-health';
import { readInstallState, runInstaller } from './handle-install';
import { unknownStateProblem, type AggregatorStatus } from './health-rules';
import { COMPONENT_NAMES, type AggregatorState } from './netops';
import {
  aggregatorVersionProblems,
  AggregatorUpgradeFacts,
  describeUpgrade,
  planUpgrade,
  UPGRADE_MARKER,
  UpgradeHostFacts,
  UpgradeMove,
  UpgradeStage,
} from './upgrade-rules';

/** A host of the upgrade: its connection, its install, and (for an aggregator) how to read it. */
interface Target {
  readonly host: RemoteHost;
  readonly install: InstallAction;
  readonly ref?: AggregatorRef;
}

async function hostFacts(target: Target): Promise<UpgradeHostFacts> {
  const { facts, version, decision } = await readInstallState(target.host, target.install.installer);
  return {
    label: target.host.label,
    name: COMPONENT_NAMES[target.install.component],
    present: facts.installed,
    ...(version !== undefined ? { version } : {}),
    decision,
    marked: await target.host.isPending(UPGRADE_MARKER),
  };
}

async function aggregatorFacts(target: Target): Promise<AggregatorUpgradeFacts> {
  const facts = await hostFacts(target);
  if (!facts.present) return facts;
  const status = await readAggregatorStatus(target.host, target.ref!);
  return { ...facts, ...(status.state ? { state: status.state } : {}) };
}

/** Polls (bounded) until the aggregator reports one of the states; the last status otherwise fails. */
async function waitForState(
  target: Target,
  states: readonly AggregatorState[],
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: AggregatorStatus | undefined;
  for (let attempt = 0; attempt < 100_000; attempt++) {
    last = await readAggregatorStatus(target.host, target.ref!);
    if (last.state && states.includes(last.state)) return;
    if (Date.now() >= deadline) break;
    await sleep(500);
  }
  throw new StepFailure(
    `${target.host.label} did not report ${states.join(' or ')} within ${timeoutSeconds} s: ${
      last?.state ? `it reports ${last.state}` : last ? unknownStateProblem(last) : 'no answer'
    }`,
  );
}

/** Runs a hook (maintenance or activate) on the aggregator's host: its argv as given, never a kill. */
async function runHook(target: Target, command: readonly string[], what: string): Promise<void> {
  const result = await target.host.run({ argv: [...command] });
  if (result.code !== 0)
    throw new StepFailure(
      `${target.host.label}: ${what} (${command.join(' ')}) exited ${result.code}: ${tail(result.stderr || result.stdout, 3)}`,
    );
}

async function healthGate(action: UpgradeAction, context: ActionContext, after: string): Promise<void> {
  const snapshot = await waitForHealth(action.aggregators, action.servers, action.timeoutSeconds, context);
  if (snapshot.problems.length > 0)
    throw new StepFailure(
      problemList(
        `after ${after}, the aggregators are not healthy within ${action.timeoutSeconds} s:`,
        snapshot.problems,
      ),
    );
}

async function runMove(
  move: UpgradeMove,
  target: Target,
  others: readonly Target[],
  action: UpgradeAction,
  context: ActionContext,
): Promise<void> {
  switch (move.kind) {
    case 'maintenance':
      await runHook(target, action.maintenanceCommand, 'setting the aggregator to Maintenance');
      return waitForState(target, ['Maintenance'], action.timeoutSeconds);
    case 'failover': {
      const to = others.find((o) => o.host.label === move.to)!;
      await runHook(target, action.maintenanceCommand, 'setting the Active aggregator to Maintenance');
      await waitForState(to, ['Active'], action.timeoutSeconds);
      return waitForState(target, ['Maintenance'], action.timeoutSeconds);
    }
    case 'install':
      await runInstaller(target.host, target.install, context);
      return;
    case 'activate':
      await runHook(target, action.activateCommand, 'activating the aggregator');
      return waitForState(target, ['Active', 'Inactive'], action.timeoutSeconds);
    case 'health':
      return healthGate(action, context, `the upgrade of ${target.host.label}`);
  }
}

/** One host's moves under its pending marker, which stays when a move fails: the next deploy resumes there. */
async function runStage(
  stage: UpgradeStage,
  target: Target,
  aggregators: readonly Target[],
  action: UpgradeAction,
  context: ActionContext,
): Promise<number> {
  const started = Date.now();
  await target.host.setPending(
    UPGRADE_MARKER,
    `upgrading to ${stage.moves.find((m) => m.kind === 'install')?.to ?? 'the wanted version'}`,
  );
  try {
    for (const move of stage.moves) await runMove(move, target, aggregators, action, context);
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    throw new StepFailure(
      `${error.message}\nThe upgrade stopped on ${stage.label}; its pending marker stays, so the next deploy resumes there (no second failover).`,
    );
  }
  await target.host.clearPending(UPGRADE_MARKER);
  return (Date.now() - started) / 1000;
}

export const upgrade: ActionHandler<UpgradeAction> = async (action, context) => {
  const connect = async (
    install: InstallAction,
    host: UpgradeAction['components'][number]['host'],
    ref?: AggregatorRef,
  ) => ({ host: await context.connect(host), install, ...(ref ? { ref } : {}) }) as Target;
  const components = await Promise.all(action.components.map((c) => connect(c.install, c.host)));
  const aggregators = await Promise.all(
    action.aggregators.map((ref) => connect(action.aggregatorInstall, ref.host, ref)),
  );
  const componentFacts = await Promise.all(components.map(hostFacts));
  const [first, second] = await Promise.all(aggregators.map(aggregatorFacts));
  const everything = [...componentFacts, first, second];
  if (!everything.some((f) => f.present))
    return { changed: false, detail: 'nothing installed yet: the install steps install every component' };

  const problems = [
    ...everything
      .filter((f) => f.decision.kind === 'refuse')
      .map((f) => `${f.label}: the ${f.name} is ${(f.decision as { reason: string }).reason}`),
    ...aggregatorVersionProblems([first, second], action.aggregatorInstall.installer.version),
  ];
  if (problems.length > 0)
    throw new StepFailure(problemList('the upgrade cannot start; nothing was changed:', problems));

  const stages = planUpgrade({
    components: componentFacts.map((facts, i) => ({
      facts,
      ...(action.components[i].install.installer.version !== undefined
        ? { wanted: action.components[i].install.installer.version }
        : {}),
    })),
    aggregators: [first, second],
    ...(action.aggregatorInstall.installer.version !== undefined
      ? { aggregatorVersion: action.aggregatorInstall.installer.version }
      : {}),
  });
  if (stages.length === 0)
    return { changed: false, detail: 'every installed component is at its wanted version' };
  const order = describeUpgrade(stages);
  if (context.checkOnly) return { changed: true, detail: `would upgrade, in order: ${order.join('; ')}` };

  // A fresh start needs a healthy pair; a resumed one starts from where the last run stopped.
  if (!everything.some((f) => f.marked)) {
    const before = await lookAtHealth(action.aggregators, action.servers, context);
    if (before.problems.length > 0)
      throw new StepFailure(
        problemList('the upgrade needs a healthy pair to start from; nothing was changed:', before.problems),
      );
  }
  await context.aboutToChange();
  const started = Date.now();
  const timings: string[] = [];
  for (const stage of stages) {
    const target =
      stage.target.kind === 'component' ? components[stage.target.index] : aggregators[stage.target.index];
    const seconds = await runStage(stage, target, aggregators, action, context);
    timings.push(`${stage.label} ${seconds.toFixed(1)} s`);
  }
  return {
    changed: true,
    detail: `upgraded in order: ${order.join('; ')}; healthy after each (${timings.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  };
};
