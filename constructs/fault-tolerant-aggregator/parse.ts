/** Pure parsers of what the remote commands and the Consul API return. */
import { AGGREGATOR_STATES, AggregatorState, STATE_PLACEHOLDER } from './netops';
import type { ProbeStage, ShareAccountProbe, ShareWriteProbe } from './share-account-rules';

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

/** A process of the aggregator's Karaf (the DA process): its pid, start, and the host's UTC offset then. */
export interface DaProcess {
  readonly pid: number;
  /** Its start, in epoch milliseconds (to the clock tick). */
  readonly startedMs: number;
  /** The host's UTC offset at that start, in minutes east; undefined when the host did not say. */
  readonly utcOffsetMinutes?: number;
}

/** One log file's last readiness line. */
export interface LoggedReadiness {
  readonly file: string;
  readonly line: string;
}

/** What DA_RUN prints: the DA processes (none on a standby), the readiness lines, the files looked at. */
export interface DaRun {
  readonly processes: readonly DaProcess[];
  readonly logged: readonly LoggedReadiness[];
  readonly logFiles: number;
}

/** `+0100`, `-0530` → minutes east of UTC; anything else undefined. */
export function parseUtcOffset(text: string | undefined): number | undefined {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(text ?? '');
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** DA_RUN's output (commands.ts); lines it does not know are ignored. */
export function parseDaRun(text: string): DaRun {
  const processes: DaProcess[] = [];
  const logged: LoggedReadiness[] = [];
  let logFiles = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('process=')) {
      const [pid, started, offset] = line.slice('process='.length).trim().split(/\s+/);
      const startedMs = Math.round(Number(started) * 1000);
      if (!/^\d+$/.test(pid ?? '') || !Number.isFinite(startedMs)) continue;
      const utcOffsetMinutes = parseUtcOffset(offset);
      processes.push({
        pid: Number(pid),
        startedMs,
        ...(utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes }),
      });
    } else if (line.startsWith('logged=')) {
      const rest = line.slice('logged='.length);
      const tab = rest.indexOf('\t');
      if (tab > 0) logged.push({ file: rest.slice(0, tab), line: rest.slice(tab + 1) });
    } else if (line.startsWith('logs=')) {
      logFiles = Number(line.slice('logs='.length)) || 0;
    }
  }
  return { processes, logged, logFiles };
}

/**
 * The time a Karaf log line starts with, in epoch milliseconds: log4j's ISO 8601 date
 * (`2026-12-02T20:13:32,123`, or with a space before the time), which is the host's local time,
 * so the host's UTC offset turns it into an instant. Undefined when the line starts otherwise.
 */
export function parseLogLineTime(line: string, utcOffsetMinutes: number): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[,.](\d{1,3}))?/.exec(line);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - utcOffsetMinutes * 60_000;
}

/** A probe stage's line: `ok`, or `failed <message>`; undefined when the probe did not get there. */
function probeStage(value: string | undefined): ProbeStage | undefined {
  if (value === undefined) return undefined;
  if (value === 'ok') return { ok: true };
  return { ok: false, message: value.replace(/^failed\s*/, '') || 'no message' };
}

const numberOr = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;

/**
 * What SHARE_ACCOUNT_PROBE printed on one aggregator. A probe cut short (no create line) reads as a
 * failed create with what it printed, never as a success.
 */
export function parseShareAccountProbe(stdout: string): ShareAccountProbe {
  const v = parseKeyValues(stdout);
  if (v.account !== 'present') return { account: 'missing' };
  const ids = {
    uid: Number(v.uid),
    gid: Number(v.gid),
    groups: (v.groups ?? '').split(/\s+/).filter(Boolean).map(Number),
  };
  if (v.mounted !== 'yes') return { account: 'present', mounted: false, ...ids };
  const share = /^(\d+):(\d+):([0-7]+)$/.exec(v.share ?? '');
  const lock = v.lock === 'conflict' ? ('conflict' as const) : probeStage(v.lock);
  const remove = probeStage(v.remove);
  const fileUid = numberOr(v.file);
  const probe: ShareWriteProbe = {
    ...(share
      ? { share: { uid: Number(share[1]), gid: Number(share[2]), mode: parseInt(share[3], 8) } }
      : {}),
    create: probeStage(v.create) ?? { ok: false, message: 'the probe printed no result' },
    ...(fileUid !== undefined ? { fileUid } : {}),
    ...(lock ? { lock } : {}),
    ...(remove ? { remove } : {}),
  };
  return { account: 'present', mounted: true, ...ids, probe };
}

/** One established TCP connection: the peer's address and port. */
export interface EstablishedConnection {
  readonly peerAddress: string;
  readonly peerPort: number;
}

/** "198.18.0.12", "[::ffff:198.18.0.12]", "::ffff:198.18.0.12" → "198.18.0.12"; IPv6 without brackets. */
function plainAddress(text: string): string {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return unbracketed.replace(/^::ffff:/i, '');
}

/**
 * `ss -tn state established`: a header (Recv-Q Send-Q Local Address:Port Peer Address:Port), then
 * one connection a line. Throws on a line it cannot read, rather than miss a connection.
 */
export function parseEstablishedConnections(text: string): EstablishedConnection[] {
  const connections: EstablishedConnection[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '' || fields[0] === 'Recv-Q') continue;
    const peer = fields[3] ?? '';
    const colon = peer.lastIndexOf(':');
    const port = Number(peer.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`not a line of ss -tn: ${JSON.stringify(line)}`);
    connections.push({ peerAddress: plainAddress(peer.slice(0, colon)), peerPort: port });
  }
  return connections;
}

/** ESTABLISHED_TCP: what each address resolves to on the host (itself included), and the connections. */
export interface ConnectionsReport {
  readonly addresses: ReadonlyMap<string, readonly string[]>;
  readonly connections: readonly EstablishedConnection[];
}

export function parseConnectionsReport(text: string): ConnectionsReport {
  const at = text.split('\n').indexOf('--');
  if (at < 0) throw new Error('the report has no "--" line before the connections');
  const lines = text.split('\n');
  const addresses = new Map<string, string[]>();
  for (const line of lines.slice(0, at)) {
    const [word, name, ...resolved] = line.split('\t');
    if (word !== 'address' || !name) throw new Error(`not an address line: ${JSON.stringify(line)}`);
    addresses.set(name, [...new Set([plainAddress(name), ...resolved.map(plainAddress)])]);
  }
  return { addresses, connections: parseEstablishedConnections(lines.slice(at + 1).join('\n')) };
}
