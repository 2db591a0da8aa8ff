/**
 * The topology marked with a run's outcomes: each step with its report, each host and path with
 * what the reports prove of it, and the states handlers read (which aggregator is Active, which
 * agent holds the virtual IPs). Without reports everything is "planned". Pure.
 */
import type { StepReport } from '../runner/execute-step';
import {
  HOLDS_VIRTUAL_IPS,
  type NetworkPath,
  type SharedAddress,
  type StepEntry,
  type Topology,
  type TopologyHost,
} from './topology';

/**
 * planned: no report was given; skipped: its spec holds apply-time values, so no report can be
 * matched to it; destroy: it runs only when the construct is removed.
 */
export type StepMark = 'planned' | 'ok' | 'changed' | 'failed' | 'not run' | 'skipped' | 'destroy';

/** A host's mark: the worst outcome of the reported steps that ran on it or checked it. */
export type HostMark = 'planned' | 'ok' | 'changed' | 'failed' | 'not run';

/**
 * open: a step that checks it passed; unconfirmed: every step that checks it and ran failed (one
 * of them may have failed for another reason); not checked: none of them ran.
 */
export type PathMark = 'planned' | 'open' | 'unconfirmed' | 'not checked';

export interface StepView {
  readonly entry: StepEntry;
  /** The label of the step's host, or undefined when its spec holds apply-time values. */
  readonly hostLabel?: string;
  readonly mark: StepMark;
  readonly report?: StepReport;
}

/** A state a handler read on a host, and the step that read it. */
export interface HostState {
  readonly state: string;
  readonly step: string;
}

export interface HostView {
  readonly host: TopologyHost;
  readonly mark: HostMark;
  readonly states: readonly HostState[];
}

export interface PathView {
  readonly path: NetworkPath;
  readonly mark: PathMark;
}

export interface SharedAddressView {
  readonly shared: SharedAddress;
  /** The candidates a report says hold it; undefined when no report read it. */
  readonly holders?: readonly string[];
}

export interface RunView {
  readonly stackName: string;
  /** Reports were given: the marks are a run's, not a plan's. */
  readonly ran: boolean;
  /** Every report given was of a check (`--check`, `cdktf-failover check`): nothing was changed. */
  readonly checkOnly: boolean;
  readonly steps: readonly StepView[];
  readonly hosts: readonly HostView[];
  readonly paths: readonly PathView[];
  readonly sharedAddresses: readonly SharedAddressView[];
  /** Reports that match no step of this stack (another stack's, or an older synth's). */
  readonly unmatchedReports: readonly StepReport[];
}

const reportKey = (step: string, host: string, description: string) =>
  JSON.stringify([step, host, description]);

const SEVERITY: Record<HostMark, number> = { planned: 0, 'not run': 1, ok: 2, changed: 3, failed: 4 };

function stepMark(entry: StepEntry, report: StepReport | undefined, ran: boolean): StepMark {
  if (report) return report.outcome;
  if (entry.destroyTime) return 'destroy';
  if (entry.host === undefined) return 'skipped';
  return ran ? 'not run' : 'planned';
}

function hostMark(steps: readonly StepView[], ran: boolean): HostMark {
  if (!ran) return 'planned';
  let mark: HostMark = 'not run';
  for (const s of steps)
    if ((s.mark === 'ok' || s.mark === 'changed' || s.mark === 'failed') && SEVERITY[s.mark] > SEVERITY[mark])
      mark = s.mark;
  return mark;
}

function pathMark(path: NetworkPath, byKey: ReadonlyMap<string, StepView>, ran: boolean): PathMark {
  if (!ran) return 'planned';
  const marks = path.checkedBy.map((key) => byKey.get(key)?.mark);
  if (marks.some((m) => m === 'ok' || m === 'changed')) return 'open';
  if (marks.some((m) => m === 'failed')) return 'unconfirmed';
  return 'not checked';
}

/** Marks the topology with the reports (the last report of a step wins); no reports: the plan. */
export function runView(stackName: string, topology: Topology, reports?: readonly StepReport[]): RunView {
  const ran = reports !== undefined;
  const labelOf = new Map(topology.hosts.map((h) => [h.key, h.label]));
  const latest = new Map<string, StepReport>();
  for (const r of reports ?? []) latest.set(reportKey(r.step, r.host, r.description), r);
  const matched = new Set<string>();
  const steps: StepView[] = topology.steps.map((entry) => {
    const hostLabel = entry.host === undefined ? undefined : labelOf.get(entry.host);
    const key = hostLabel === undefined ? undefined : reportKey(entry.id, hostLabel, entry.description);
    const report = key === undefined || entry.destroyTime ? undefined : latest.get(key);
    if (report) matched.add(key!);
    return {
      entry,
      ...(hostLabel !== undefined ? { hostLabel } : {}),
      mark: stepMark(entry, report, ran),
      ...(report ? { report } : {}),
    };
  });
  const byKey = new Map(steps.map((s) => [s.entry.key, s]));

  const statesByHost = new Map<string, HostState[]>();
  for (const s of steps)
    for (const action of s.report?.actions ?? [])
      for (const [label, state] of Object.entries(action.hostStates ?? {}))
        for (const host of topology.hosts.filter((h) => h.label === label)) {
          // The latest reading of a host replaces an earlier one.
          statesByHost.set(host.key, [{ state, step: s.entry.id }]);
        }

  const hosts: HostView[] = topology.hosts.map((host) => ({
    host,
    mark: hostMark(
      steps.filter((s) => s.entry.involves.includes(host.key)),
      ran,
    ),
    states: statesByHost.get(host.key) ?? [],
  }));

  const sharedAddresses: SharedAddressView[] = topology.sharedAddresses.map((shared) => {
    const read = shared.candidates.filter((c) => statesByHost.has(c));
    if (read.length === 0) return { shared };
    return {
      shared,
      holders: read.filter((c) => statesByHost.get(c)!.some((s) => s.state === HOLDS_VIRTUAL_IPS)),
    };
  });

  return {
    stackName,
    ran,
    checkOnly: ran && reports!.length > 0 && reports!.every((r) => r.checkOnly),
    steps,
    hosts,
    paths: topology.paths.map((path) => ({ path, mark: pathMark(path, byKey, ran) })),
    sharedAddresses,
    unmatchedReports: [...latest.entries()].filter(([k]) => !matched.has(k)).map(([, r]) => r),
  };
}
