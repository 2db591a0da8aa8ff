/** What "healthy" means for the fault-tolerant aggregators, from the vendor reference. Pure. */
import { AGGREGATOR_STATES, CONSUL_MEMBER_ALIVE, type AggregatorState } from './netops';
import type { ConsulView } from './parse';

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
  /** The readiness line is in its karaf.log. */
  readonly ready: boolean;
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
  for (const s of active) {
    if (!s.ready)
      problems.push(
        `${s.label} is Active but its karaf.log has no readiness line yet ("Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr")`,
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
