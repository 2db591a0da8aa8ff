/** Pure parsers of what the remote commands and the Consul API return. */
import { AGGREGATOR_STATES, AggregatorState } from './netops';

/** `key=value` lines; later keys win, lines without "=" are ignored. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/**
 * The state `dadaemon status` names. Its wording is not public, so the parser looks for the state
 * words themselves; undefined when none or more than one distinct state appears.
 */
export function parseAggregatorState(text: string): AggregatorState | undefined {
  const found = new Set<AggregatorState>();
  for (const state of AGGREGATOR_STATES) {
    if (new RegExp(`\\b${state}\\b`, 'i').test(text)) found.add(state);
  }
  // \b keeps "Active" from matching inside "Inactive".
  return found.size === 1 ? [...found][0] : undefined;
}

export interface ListenerReport {
  readonly busy: readonly string[];
  readonly received: readonly string[];
}

export function parseListenerReport(text: string): ListenerReport {
  const data = JSON.parse(text.trim().split('\n').pop() ?? '') as ListenerReport;
  if (!Array.isArray(data.busy) || !Array.isArray(data.received)) throw new Error('not a listener report');
  return data;
}

export interface ProbeResult {
  readonly spec: string;
  readonly ok: boolean;
  readonly error?: string;
}

export function parseProbeResults(text: string): ProbeResult[] {
  const data = JSON.parse(text.trim().split('\n').pop() ?? '') as ProbeResult[];
  if (!Array.isArray(data)) throw new Error('not a list of probe results');
  return data;
}

/** The first installed-record word: the version recorded at install ("-" when none was declared). */
export function parseInstallRecord(line: string | undefined): { version?: string; stamp?: string } {
  if (!line) return {};
  const [version, stamp] = line.trim().split(/\s+/);
  return { ...(version && version !== '-' ? { version } : {}), ...(stamp ? { stamp } : {}) };
}

export interface ConsulMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Status: number;
}

export interface ConsulCheck {
  readonly Node?: string;
  readonly CheckID?: string;
  readonly Name?: string;
  readonly ServiceName?: string;
  readonly Output?: string;
}

/** What the proxy's Consul API says about the cluster. */
export interface ConsulView {
  readonly leader: string;
  readonly peers: readonly string[];
  readonly members: readonly ConsulMember[];
  readonly critical: readonly ConsulCheck[];
}

export function parseConsulView(
  leader: string,
  peers: string,
  members: string,
  critical: string,
): ConsulView {
  const parsedLeader = JSON.parse(leader) as unknown;
  const parsedPeers = JSON.parse(peers) as unknown;
  const parsedMembers = JSON.parse(members) as unknown;
  const parsedCritical = JSON.parse(critical) as unknown;
  if (typeof parsedLeader !== 'string') throw new Error('/v1/status/leader did not return a string');
  if (!Array.isArray(parsedPeers)) throw new Error('/v1/status/peers did not return a list');
  if (!Array.isArray(parsedMembers)) throw new Error('/v1/agent/members did not return a list');
  if (!Array.isArray(parsedCritical)) throw new Error('/v1/health/state/critical did not return a list');
  return {
    leader: parsedLeader,
    peers: parsedPeers.map(String),
    members: parsedMembers as ConsulMember[],
    critical: parsedCritical as ConsulCheck[],
  };
}
