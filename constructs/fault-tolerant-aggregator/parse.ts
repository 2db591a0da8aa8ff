/** Pure parsers of what the remote commands and the Consul API return. */
import { AGGREGATOR_STATES, AggregatorState, STATE_PLACEHOLDER } from './netops';

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
 * The state `dadaemon status` names, read strictly: its wording is not public, so a state is read
 * only from a line that is exactly `statusLine` with one of the vendor's state words in place of
 * `{state}` (lines compared without their surrounding white space, blank lines skipped). Anything else (no such line,
 * another word, two lines that disagree, an empty answer) is undefined: the state is unknown,
 * never guessed from a word that happens to appear, such as systemd's `Active: active (running)`.
 */
export function parseAggregatorState(text: string, statusLine: string): AggregatorState | undefined {
  const parts = statusLine.split(STATE_PLACEHOLDER);
  if (parts.length !== 2) return undefined;
  const [before, after] = parts;
  const found = new Set<AggregatorState>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.length < before.length + after.length || !line.startsWith(before) || !line.endsWith(after))
      continue;
    const word = line.slice(before.length, line.length - after.length);
    const state = AGGREGATOR_STATES.find((s) => s === word);
    if (!state) return undefined;
    found.add(state);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** What a service's `status` verb says about it. */
export type ServiceState = 'running' | 'stopped' | 'unknown';

/**
 * An LSB `status` answer (`service NAME status`): exit 0 running, exit 3 stopped; anything else
 * (4 "unknown", systemd's "no such unit", 1 from Debian's `service` for an unrecognized name) says
 * nothing about whether the program runs. Older systemctl also exited 3 for a unit that does not
 * exist (systemd issue #1092, changed by PR #3385), so an exit 3 that says so is unknown too.
 */
export function parseServiceStatus(code: number | null, output: string): ServiceState {
  if (code === 0) return 'running';
  if (code === 3 && !NO_SUCH_SERVICE.test(output)) return 'stopped';
  return 'unknown';
}

/** How `service`, systemctl and init scripts say the service itself is not there. */
const NO_SUCH_SERVICE = /not-found|not found|could not be found|unrecognized service|no such/i;

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
