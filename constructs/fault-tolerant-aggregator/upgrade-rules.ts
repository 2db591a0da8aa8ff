/**
 * The ordered, health-gated upgrade of a deployed site, decided from facts and pending markers.
 * Pure: what each host runs now, its install decision, its state, whether an earlier run left this
 * upgrade's marker on it; out comes the order of moves, or the problems that forbid starting.
 *
 * The order: the portal (3.7 docs: the portal first), then the proxy (its place is not public:
 * this construct's choice is after the portal and before the aggregators, so the third Consul
 * server is at the new version before either aggregator restarts), then the aggregators one at a
 * time: the one that is not Active first (Maintenance, upgrade, activate, health), then a failover
 * from the Active one, which is upgraded last the same way. The pair never switches back.
 */
import { type InstallDecision, UNFINISHED_INSTALL } from './install-rules';
import type { AggregatorState } from './netops';

/** This upgrade's pending marker on a host: its moves there are not verified yet. */
export const UPGRADE_MARKER = 'fault-tolerant-aggregator-upgrade';

/** What the upgrade knows of one host before it moves anything. */
export interface UpgradeHostFacts {
  readonly label: string;
  /** "NetOps Portal", "proxy server", "data aggregator": for messages. */
  readonly name: string;
  /** Its install directory exists (installed, or half-installed). */
  readonly present: boolean;
  /** What it runs now: the version command's answer or the recorded version; undefined when unknown. */
  readonly version?: string;
  /** installDecision for the wanted version. */
  readonly decision: InstallDecision;
  /** An earlier run left this upgrade's marker on the host. */
  readonly marked: boolean;
}

export interface AggregatorUpgradeFacts extends UpgradeHostFacts {
  /** Its state as `dadaemon status` says it; undefined when unknown or not installed. */
  readonly state?: AggregatorState;
}

export type UpgradeMove =
  | { readonly kind: 'maintenance' }
  | { readonly kind: 'failover'; readonly to: string }
  | { readonly kind: 'install'; readonly from: string; readonly to: string }
  | { readonly kind: 'activate' }
  | { readonly kind: 'health' };

/** The moves on one host, under its pending marker: set before the first, cleared after the last. */
export interface UpgradeStage {
  readonly label: string;
  readonly name: string;
  /** Which of the action's targets: a component's index, or an aggregator's. */
  readonly target: { readonly kind: 'component' | 'aggregator'; readonly index: number };
  readonly moves: readonly UpgradeMove[];
}

/** The version a host ends at after this deploy: the wanted one when it installs, else what it runs. */
function finalVersion(facts: UpgradeHostFacts, wanted: string | undefined): string | undefined {
  if (facts.decision.kind === 'install' || facts.decision.kind === 'upgrade') return wanted;
  return facts.version;
}

/**
 * The aggregators must end this deploy at one version: a refused upgrade on one side only, a
 * version that cannot be read, or an install that would leave the other behind all stop the
 * upgrade before anything changes, each named with its host and versions.
 */
export function aggregatorVersionProblems(
  aggregators: readonly AggregatorUpgradeFacts[],
  wanted: string | undefined,
): string[] {
  if (wanted === undefined || !aggregators.some((a) => a.present)) return [];
  const problems: string[] = [];
  for (const a of aggregators) {
    if (a.present && a.decision.kind === 'leave' && a.version === undefined)
      problems.push(
        `${a.label}: the version of the data aggregator cannot be read (${a.decision.reason}), so the pair could end on two versions; give aggregators.installer.versionCommand`,
      );
  }
  if (problems.length > 0) return problems;
  const ends = aggregators.map((a) => ({ a, version: finalVersion(a, wanted) }));
  if (new Set(ends.map((e) => e.version)).size > 1)
    problems.push(
      `the data aggregators would end this deploy on different versions: ${ends
        .map(
          ({ a, version }) =>
            `${a.label} at ${version ?? 'an unknown version'}${a.decision.kind === 'refuse' ? ` (${a.decision.reason})` : ''}`,
        )
        .join(
          ', ',
        )}. Both must run one version: set aggregators.installer.allowUpgrade, or declare the version both run`,
    );
  return problems;
}

/**
 * Whether a host takes part: it runs another version, or an earlier run of this upgrade stopped on
 * it. A half-done first install (no record, no marker) is its install step's to finish, not an upgrade.
 */
const needsInstall = (h: UpgradeHostFacts) =>
  h.present && h.decision.kind === 'upgrade' && (h.decision.from !== UNFINISHED_INSTALL || h.marked);
const continues = (h: UpgradeHostFacts) => h.present && h.marked && h.decision.kind === 'leave';

function installMove(h: UpgradeHostFacts, wanted: string): UpgradeMove {
  const from = h.decision.kind === 'upgrade' ? h.decision.from : (h.version ?? 'an unknown version');
  return { kind: 'install', from, to: wanted };
}

/** Portal or proxy: its installer over it, then the health gate (Consul restarts with the proxy). */
function componentMoves(h: UpgradeHostFacts, wanted: string | undefined): UpgradeMove[] {
  if (needsInstall(h) && wanted !== undefined) return [installMove(h, wanted), { kind: 'health' }];
  if (continues(h)) return [{ kind: 'health' }];
  return [];
}

/**
 * One aggregator's moves. Not Active: Maintenance (unless it is in Maintenance already), the
 * installer, activate, health. Active: a failover first (Maintenance on it, the other takes over),
 * which the order makes happen only once every other aggregator is at the wanted version. A host
 * an earlier run stopped on after its installer finished only activates (when in Maintenance) and
 * passes the health gate.
 */
function aggregatorMoves(
  a: AggregatorUpgradeFacts,
  other: AggregatorUpgradeFacts,
  wanted: string,
): UpgradeMove[] {
  if (needsInstall(a)) {
    const first: UpgradeMove[] =
      a.state === 'Active'
        ? [{ kind: 'failover', to: other.label }]
        : a.state === 'Maintenance'
          ? []
          : [{ kind: 'maintenance' }];
    return [...first, installMove(a, wanted), { kind: 'activate' }, { kind: 'health' }];
  }
  if (continues(a))
    return [...(a.state === 'Maintenance' ? [{ kind: 'activate' } as const] : []), { kind: 'health' }];
  return [];
}

export interface UpgradeFacts {
  /** Upgraded first, in order: the portal (when there is one), the proxy. */
  readonly components: readonly { readonly facts: UpgradeHostFacts; readonly wanted?: string }[];
  readonly aggregators: readonly [AggregatorUpgradeFacts, AggregatorUpgradeFacts];
  readonly aggregatorVersion?: string;
}

/**
 * The stages of the upgrade, in order; empty when nothing is installed yet or everything is at its
 * wanted version (and no earlier run stopped midway). The aggregator that is Active goes last, so
 * there is one failover, and a resumed run makes none when the Active one is already upgraded.
 */
export function planUpgrade(input: UpgradeFacts): UpgradeStage[] {
  const stages: UpgradeStage[] = [];
  input.components.forEach(({ facts, wanted }, index) => {
    const moves = componentMoves(facts, wanted);
    if (moves.length > 0)
      stages.push({ label: facts.label, name: facts.name, target: { kind: 'component', index }, moves });
  });
  const wanted = input.aggregatorVersion;
  if (wanted === undefined) return stages;
  const order = [0, 1].sort(
    (x, y) =>
      Number(input.aggregators[x].state === 'Active') - Number(input.aggregators[y].state === 'Active'),
  );
  for (const index of order) {
    const a = input.aggregators[index];
    const moves = aggregatorMoves(a, input.aggregators[1 - index], wanted);
    if (moves.length > 0)
      stages.push({ label: a.label, name: a.name, target: { kind: 'aggregator', index }, moves });
  }
  return stages;
}

function describeMove(move: UpgradeMove): string {
  switch (move.kind) {
    case 'maintenance':
      return 'maintenance';
    case 'failover':
      return `maintenance (fail over to ${move.to})`;
    case 'install':
      return `upgrade ${move.from} → ${move.to}`;
    case 'activate':
      return 'activate';
    case 'health':
      return 'health gate';
  }
}

/** One line per stage, in order: "lab-c (data aggregator): maintenance, upgrade 24.3.0 → 24.4.0, activate, health gate". */
export function describeUpgrade(stages: readonly UpgradeStage[]): string[] {
  return stages.map((s) => `${s.label} (${s.name}): ${s.moves.map(describeMove).join(', ')}`);
}
