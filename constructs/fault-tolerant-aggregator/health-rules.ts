/** What "healthy" means for the fault-tolerant aggregators, from the vendor reference. Pure. */
import { AGGREGATOR_STATES, CONSUL_MEMBER_ALIVE, READINESS_LINE, type AggregatorState } from './netops';
import { type ConsulView, type DaProcess, type DaRun, parseLogLineTime } from './parse';
import type { UnreadableStatusReading } from './props';

export interface AggregatorStatus {
  readonly label: string;
  /** Undefined when `dadaemon status` gave no line of the configured form (parseAggregatorState). */
  readonly state?: AggregatorState;
  /** What `dadaemon status` printed (stdout and stderr, trimmed), for messages. */
  readonly said: string;
  /** Its exit status (null when a signal ended it). */
  readonly code: number | null;
  /** The line it was read by (`aggregators.statusLine`). */
  readonly statusLine: string;
  /** Where the state came from: its status line, or (`unreadableStatus: "process"`) its DA process. */
  readonly readBy?: 'status' | 'process';
  /** Its karaf.log (current or rotated) has a readiness line written since the DA process started. */
  readonly ready: boolean;
  /** When not ready: why, in a sentence (readinessOfCurrentStart). */
  readonly notReady?: string;
}

/**
 * The state of an aggregator: the status line's word when there is one; else, with the `process`
 * reading and an answer of the service control (exit 0 or 3, LSB's running and not running),
 * Active when the DA process runs and Inactive when none does; else unknown. The process reading
 * cannot tell a standby from a DA in Maintenance or stopped by hand (none runs a DA process): it
 * is a choice for releases whose status says nothing usable, never the default.
 */
export function readAggregatorState(
  fromStatus: AggregatorState | undefined,
  code: number | null,
  daProcessRuns: boolean,
  reading: UnreadableStatusReading,
): { state?: AggregatorState; readBy?: 'status' | 'process' } {
  if (fromStatus) return { state: fromStatus, readBy: 'status' };
  if (reading === 'process' && (code === 0 || code === 3))
    return { state: daProcessRuns ? 'Active' : 'Inactive', readBy: 'process' };
  return {};
}

/** The newest DA process: the current start (a second one would be a DA starting over). */
export function currentDaProcess(run: DaRun): DaProcess | undefined {
  return [...run.processes].sort((a, b) => b.startedMs - a.startedMs)[0];
}

const isoTime = (ms: number) => new Date(ms).toISOString();

/**
 * Whether the DA logged its readiness line since its current start: a line counts only when its
 * timestamp is at or after the start of the running DA process (read on the host), whichever log
 * file holds it, the current one or a rotated one. A line from an earlier start proves nothing
 * about this one; a line whose time cannot be read does not count.
 */
export function readinessOfCurrentStart(
  run: DaRun,
  where: { readonly installDirectory: string; readonly logs: string },
): { ready: true; line: string } | { ready: false; why: string } {
  const current = currentDaProcess(run);
  if (!current)
    return {
      ready: false,
      why: `no DA process runs: no process names ${where.installDirectory}/apache-karaf-* as its Karaf home (-Dkaraf.home) on its command line; start it with dadaemon start`,
    };
  if (current.utcOffsetMinutes === undefined)
    return {
      ready: false,
      why: `the host did not tell its UTC offset (date +%z), so the local times of karaf.log cannot be compared with the DA process's start (pid ${current.pid}, ${isoTime(current.startedMs)})`,
    };
  const offset = current.utcOffsetMinutes;
  const timed = run.logged.map((l) => ({ ...l, at: parseLogLineTime(l.line, offset) }));
  const since = timed.find((l) => l.at !== undefined && l.at >= current.startedMs);
  if (since) return { ready: true, line: `${since.file}: ${since.line}` };
  const looked = `${run.logFiles} file${run.logFiles === 1 ? '' : 's'} matching ${where.installDirectory}/${where.logs}`;
  const earlier = timed
    .filter((l): l is typeof l & { at: number } => l.at !== undefined)
    .sort((a, b) => b.at - a.at)[0];
  if (earlier)
    return {
      ready: false,
      why: `its readiness line ("${READINESS_LINE}") is from an earlier start: the last one, in ${earlier.file}, was logged at ${isoTime(earlier.at)}, before the DA process (pid ${current.pid}) started at ${isoTime(current.startedMs)}; it has not logged it since (looked in ${looked})`,
    };
  if (timed.length > 0)
    return {
      ready: false,
      why: `its readiness lines have no time this construct can read (expected log4j's ISO 8601 date first), so none proves this start: ${timed[0].file}: ${JSON.stringify(timed[0].line.slice(0, 160))}`,
    };
  return {
    ready: false,
    why: `no readiness line ("${READINESS_LINE}") since the DA process (pid ${current.pid}) started at ${isoTime(current.startedMs)} (looked in ${looked}; if your release rotates karaf.log under other names, set aggregators.readinessLogs)`,
  };
}

/** The raw answer, whole but bounded, so a message shows what the host really printed. */
export function rawAnswer(said: string, code: number | null): string {
  const text = said.length > 400 ? `${said.slice(0, 400)}…` : said;
  return `${text ? JSON.stringify(text) : 'nothing'} (exit ${code ?? 'by a signal'})`;
}

/** An aggregator whose state cannot be read: the raw text, the form expected, and the fix. */
export function unknownStateProblem(status: AggregatorStatus): string {
  return `${status.label}: the aggregator's state is unknown: dadaemon status printed ${rawAnswer(status.said, status.code)}, not a line "${status.statusLine}" with {state} one of ${AGGREGATOR_STATES.join(', ')}. Start the aggregator if it is down; if your release words its status otherwise, set aggregators.statusLine to the line it prints`;
}

/** Exactly one Active (with its readiness line logged) and the other Inactive. */
export function aggregatorProblems(statuses: readonly AggregatorStatus[]): string[] {
  const problems: string[] = [];
  for (const s of statuses) {
    if (!s.state) problems.push(unknownStateProblem(s));
  }
  const active = statuses.filter((s) => s.state === 'Active');
  const inactive = statuses.filter((s) => s.state === 'Inactive');
  if (active.length > 1)
    problems.push(
      `${active.map((s) => s.label).join(' and ')} both report Active: two active aggregators on one shared directory; stop one gracefully (dadaemon stop) and check the shared directory's locking`,
    );
  else if (active.length === 0 && statuses.every((s) => s.state))
    problems.push(`no aggregator is Active (${statuses.map((s) => `${s.label}: ${s.state}`).join(', ')})`);
  for (const s of statuses) {
    if (s.state && s.state !== 'Active' && s.state !== 'Inactive')
      problems.push(
        `${s.label} reports ${s.state}${s.state === 'Maintenance' ? ': run dadaemon activate on it' : ''}`,
      );
  }
  if (active.length === 1 && inactive.length === 0 && statuses.length === 2 && problems.length === 0)
    problems.push('no aggregator is Inactive: the pair has no failover candidate');
  // Readiness is asked of the Active DA only: the standby runs no DA process to be ready.
  for (const s of active) {
    if (!s.ready)
      problems.push(
        s.notReady
          ? `${s.label} is Active but not ready: ${s.notReady}`
          : `${s.label} is Active but its karaf.log has no readiness line yet ("${READINESS_LINE}")`,
      );
  }
  return problems;
}

/** A leader, `servers` peers, every member alive, no critical check. */
export function consulProblems(proxyLabel: string, view: ConsulView, servers: number): string[] {
  const problems: string[] = [];
  if (view.leader === '')
    problems.push(`Consul on ${proxyLabel} has no leader (no quorum of 2 of ${servers} servers)`);
  if (view.peers.length !== servers)
    problems.push(
      `Consul on ${proxyLabel} lists ${view.peers.length} peer${view.peers.length === 1 ? '' : 's'} (${view.peers.join(', ') || 'none'}), expected ${servers}: the proxy and both aggregators`,
    );
  const down = view.members.filter((m) => m.Status !== CONSUL_MEMBER_ALIVE);
  for (const m of down)
    problems.push(
      `Consul member ${m.Name} (${m.Addr}) is not alive (status ${m.Status}): check TCP and UDP 8301 between it and the others`,
    );
  if (view.members.length < servers)
    problems.push(
      `Consul on ${proxyLabel} knows ${view.members.length} member${view.members.length === 1 ? '' : 's'} (${view.members.map((m) => m.Name).join(', ') || 'none'}), expected ${servers}`,
    );
  for (const c of view.critical)
    problems.push(
      `critical check ${c.Name ?? c.CheckID ?? '?'}${c.ServiceName ? ` of ${c.ServiceName}` : ''} on ${c.Node ?? '?'}${c.Output ? `: ${c.Output.trim().slice(0, 160)}` : ''}`,
    );
  return problems;
}
