/**
 * The lab's network: one bridge on this machine (198.18.0.1/24, the benchmarking range, never a
 * private or public one) and one network namespace per host, joined to the bridge by a veth pair.
 * Hosts have no default route: they reach each other and this machine, nothing else.
 *
 * Pure parts (address plan, firewall rendering, socket table parsing) are exported for unit tests;
 * the rest runs `ip` and `nft` as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const BRIDGE = 'cflab0';
export const GATEWAY = '198.18.0.1';
const PREFIX = '198.18.0.';
const FIRST_HOST_OCTET = 11;
/**
 * Hosts take 198.18.0.11 to .49: tests add virtual IPs and DNS records from .50 up (.50, .60,
 * .61, .99, .250 to .254), so a host address never collides with one, whatever the lab's size.
 */
export const MAX_HOSTS = 39;

/** The address of the n-th lab host (0-based): lab-a is 198.18.0.11, the 30th (lab-ad) .40. */
export function hostAddressAt(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_HOSTS)
    throw new Error(`No lab address for host #${index}`);
  return `${PREFIX}${FIRST_HOST_OCTET + index}`;
}

/** Addresses a test may add to a host or point a DNS record at: inside the lab range, not the gateway's. */
export function assertLabAddress(address: string): void {
  const m = /^198\.18\.0\.(\d{1,3})$/.exec(address);
  const octet = m ? Number(m[1]) : -1;
  if (octet < 2 || octet > 254)
    throw new Error(`${address} is not a lab address (198.18.0.2 to 198.18.0.254)`);
}

export const netnsName = (hostName: string): string => `cfl-${hostName}`;
export const netnsPath = (hostName: string): string => `/run/netns/${netnsName(hostName)}`;
/** Interface names are limited to 15 characters: name the bridge side by index. */
const vethName = (index: number): string => `cflv${index}`;

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function ipBatch(commands: string[], netns?: string): void {
  execFileSync('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], {
    input: `${commands.join('\n')}\n`,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
}

/** Runs a command in a host's network namespace only (this machine's files and programs). */
export function inHostNetwork(hostName: string, argv: string[], input?: string): string {
  return execFileSync('nsenter', [`--net=${netnsPath(hostName)}`, '--', ...argv], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input !== undefined ? { input } : {}),
  });
}

/**
 * The lab range is unreachable from this machine unless the bridge is up: without this route, a
 * packet for a stopped lab would follow the default route out of the machine. The bridge's own
 * route (metric 0) wins while it exists; this one stays after the bridge is gone.
 */
function fenceLabRange(): void {
  ip(['route', 'replace', 'unreachable', '198.18.0.0/24', 'metric', '4000']);
}

export function ensureBridge(): void {
  fenceLabRange();
  if (!linkExists(BRIDGE)) ip(['link', 'add', BRIDGE, 'type', 'bridge']);
  spawnSync('ip', ['addr', 'add', `${GATEWAY}/24`, 'dev', BRIDGE], { stdio: 'ignore' });
  // IPv4 only: nothing in the lab speaks IPv6, and link-local chatter would only add noise.
  fs.writeFileSync(`/proc/sys/net/ipv6/conf/${BRIDGE}/disable_ipv6`, '1');
  ip(['link', 'set', BRIDGE, 'up']);
}

export function removeBridge(): void {
  fenceLabRange();
  if (linkExists(BRIDGE)) ip(['link', 'del', BRIDGE]);
}

/** A fresh namespace for the host: loopback, eth0 with its address on the bridge, no default route. */
export function createHostNetwork(hostName: string, index: number): void {
  removeHostNetwork(hostName, index);
  const ns = netnsName(hostName);
  ip(['netns', 'add', ns]);
  inHostNetwork(hostName, [
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
  ipBatch([
    `link add ${vethName(index)} type veth peer name eth0 netns ${ns}`,
    `link set ${vethName(index)} master ${BRIDGE} up`,
  ]);
  ipBatch(
    [
      'link set lo up',
      // A fixed MAC per address: after a cold restart, peers' ARP caches are still right.
      `link set eth0 address 02:cf:18:00:${(FIRST_HOST_OCTET + index).toString(16).padStart(2, '0')}:01`,
      `addr add ${hostAddressAt(index)}/24 dev eth0`,
      'link set eth0 up',
    ],
    ns,
  );
}

export function removeHostNetwork(hostName: string, index: number): void {
  // Deleting one end of a veth pair deletes both.
  if (linkExists(vethName(index))) ip(['link', 'del', vethName(index)]);
  if (fs.existsSync(netnsPath(hostName))) ip(['netns', 'del', netnsName(hostName)]);
}

/** Every namespace this lab created (also those of hosts a previous run had and this one has not). */
export function labNamespaces(): string[] {
  if (!fs.existsSync('/run/netns')) return [];
  return fs.readdirSync('/run/netns').filter((n) => n.startsWith('cfl-'));
}

export function removeNamespace(ns: string): void {
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

/** Back to the address it started with: extra addresses gone, firewall (and its recorded rules) empty. */
export function resetHostNetwork(baseDir: string, hostName: string, index: number): void {
  const primary = hostAddressAt(index);
  for (const address of hostAddresses(hostName)) if (address !== primary) removeAddress(hostName, address);
  applyFirewall(hostName, [], baseDir);
  // What the host learned of its neighbours goes too: a virtual IP an earlier test gave another
  // host must not still be in this one's neighbour table, as if it answered.
  inHostNetwork(hostName, ['ip', 'neigh', 'flush', 'all']);
}

/** The host's IPv4 addresses on eth0. */
export function hostAddresses(hostName: string): string[] {
  const out = inHostNetwork(hostName, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return [...out.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]);
}

/** An extra address on the host's eth0 (a virtual IP): it answers ICMP, ARP and every service listening on all addresses. */
export function addAddress(hostName: string, address: string): void {
  assertLabAddress(address);
  if (hostAddresses(hostName).includes(address)) return;
  inHostNetwork(hostName, ['ip', 'addr', 'add', `${address}/32`, 'dev', 'eth0']);
}

export function removeAddress(hostName: string, address: string): void {
  spawnSync(
    'nsenter',
    [`--net=${netnsPath(hostName)}`, '--', 'ip', 'addr', 'del', `${address}/32`, 'dev', 'eth0'],
    {
      stdio: 'ignore',
    },
  );
  spawnSync(
    'nsenter',
    [`--net=${netnsPath(hostName)}`, '--', 'ip', 'addr', 'del', `${address}/24`, 'dev', 'eth0'],
    {
      stdio: 'ignore',
    },
  );
}

// ---------------------------------------------------------------- firewall

export type BlockedProtocol = 'tcp' | 'udp' | 'icmp';

/** Traffic a host drops (or rejects) on the way in: from one source address, one protocol, one port. */
export interface FirewallRule {
  readonly fromAddress: string;
  readonly protocol: BlockedProtocol;
  /** Required for tcp and udp; icmp has no ports. */
  readonly port?: number;
  /** drop: the peer times out, as behind most firewalls; reject: refused at once. @default 'drop' */
  readonly action?: 'drop' | 'reject';
}

const TABLE = 'lab_firewall';

function ruleKey(r: FirewallRule): string {
  return `${r.fromAddress}/${r.protocol}/${r.port ?? ''}`;
}

/** The nftables script that replaces the host's lab table with exactly these rules, in one transaction. */
export function renderFirewall(rules: readonly FirewallRule[]): string {
  const lines = rules.map((r) => {
    assertLabAddress(r.fromAddress);
    const verdict = r.action === 'reject' ? 'reject' : 'drop';
    if (r.protocol === 'icmp') return `    ip saddr ${r.fromAddress} meta l4proto icmp ${verdict}`;
    if (!Number.isInteger(r.port) || (r.port as number) < 1 || (r.port as number) > 65535)
      throw new Error(`A ${r.protocol} rule needs a port from 1 to 65535, got ${r.port}`);
    const reject = r.protocol === 'tcp' ? 'reject with tcp reset' : 'reject';
    return `    ip saddr ${r.fromAddress} ${r.protocol} dport ${r.port} ${r.action === 'reject' ? reject : 'drop'}`;
  });
  return [
    // "add" then "delete" makes the delete safe when the table does not exist yet.
    `add table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    `table inet ${TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    ...lines,
    '  }',
    '}',
    '',
  ].join('\n');
}

const firewallState = (baseDir: string, hostName: string): string =>
  `${baseDir}/run/firewall-${hostName}.json`;

export function readFirewall(baseDir: string, hostName: string): FirewallRule[] {
  try {
    return JSON.parse(fs.readFileSync(firewallState(baseDir, hostName), 'utf8')) as FirewallRule[];
  } catch {
    return [];
  }
}

export function applyFirewall(hostName: string, rules: readonly FirewallRule[], baseDir?: string): void {
  inHostNetwork(hostName, ['nft', '-f', '-'], renderFirewall(rules));
  if (baseDir) fs.writeFileSync(firewallState(baseDir, hostName), JSON.stringify(rules));
}

/** Adds a rule to the host's firewall (idempotent: the same source, protocol and port replace each other). */
export function addFirewallRule(baseDir: string, hostName: string, rule: FirewallRule): void {
  const rules = readFirewall(baseDir, hostName).filter((r) => ruleKey(r) !== ruleKey(rule));
  applyFirewall(hostName, [...rules, rule], baseDir);
}

export function removeFirewallRule(
  baseDir: string,
  hostName: string,
  rule: Omit<FirewallRule, 'action'>,
): void {
  const rules = readFirewall(baseDir, hostName).filter((r) => ruleKey(r) !== ruleKey(rule));
  applyFirewall(hostName, rules, baseDir);
}

// ---------------------------------------------------------------- sockets

export interface ListeningSocket {
  readonly protocol: 'tcp' | 'udp';
  readonly address: string;
  readonly port: number;
}

/** The kernel's hex endpoint ("0100007F:1F90": 32-bit words in host byte order) → address and port. */
function decodeEndpoint(hex: string): { address: string; port: number } {
  const [addr, port] = hex.split(':');
  const bytes = (word: string): number[] => [6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16));
  if (addr.length === 8) return { address: bytes(addr).join('.'), port: parseInt(port, 16) };
  const all = [0, 8, 16, 24].flatMap((i) => bytes(addr.slice(i, i + 8)));
  const groups = Array.from({ length: 8 }, (_, i) => ((all[2 * i] << 8) | all[2 * i + 1]).toString(16));
  return { address: compressIpv6(groups), port: parseInt(port, 16) };
}

/** RFC 5952 text: the longest run of zero groups (two or more) becomes "::". */
function compressIpv6(groups: string[]): string {
  let best = { start: -1, length: 1 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/**
 * Listening TCP sockets and bound UDP sockets from /proc/net/{tcp,udp}[6] text
 * (TCP state 0A is LISTEN; UDP state 07 is an unconnected, bound socket).
 */
export function parseSocketTable(protocol: 'tcp' | 'udp', text: string): ListeningSocket[] {
  const wanted = protocol === 'tcp' ? '0A' : '07';
  const found: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== wanted) continue;
    found.push({ protocol, ...decodeEndpoint(fields[1]) });
  }
  return found;
}

/** What the host listens on, read from the socket tables of a process inside its namespace. */
export function listeningSocketsOf(pidInHost: number): ListeningSocket[] {
  return (['tcp', 'udp'] as const).flatMap((protocol) =>
    ['', '6'].flatMap((v6) => {
      try {
        return parseSocketTable(protocol, fs.readFileSync(`/proc/${pidInHost}/net/${protocol}${v6}`, 'utf8'));
      } catch {
        return [];
      }
    }),
  );
}
