/**
 * Local test lab: hosts that behave like separate machines.
 *
 * Each host runs from its own copy-on-write root over one Debian image built with debootstrap
 * (image.ts, rootfs.ts), in its own network, UTS and PID namespaces (network.ts, host-process.ts),
 * with its own address in 198.18.0.0/24 on the lab bridge, its own sshd on port 22 and host key.
 * The lab's dnsmasq (dns.ts) is every host's nameserver. Nothing a host runs comes from this
 * machine's /usr.
 *
 * Inside every host: /lab/bin (emulated vendor commands, first on PATH), /lab/shared (emulator
 * state every host sees: a cluster's gossip view) and /lab/nfs (the emulated NFS fabric: a server
 * publishes there exactly the directories it exports, see emulators/nfs).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { clearDnsRecords, dnsPid, removeDnsRecord, setDnsRecord, startDns, stopDns } from './dns';
import { hostInitPid, runInHost, spawnInHost, startHostProcess, stopHostProcess } from './host-process';
import { ensureImage, LAB_NAMESERVER, LAB_PATH } from './image';
import { bindMount, isUnder, mountPoints, unmountAll } from './mounts';
import {
  addAddress,
  addFirewallRule,
  BlockedProtocol,
  createHostNetwork,
  ensureBridge,
  hostAddressAt,
  labNamespaces,
  ListeningSocket,
  listeningSocketsOf,
  MAX_HOSTS,
  removeAddress,
  removeBridge,
  removeFirewallRule,
  removeNamespace,
  resetHostNetwork,
} from './network';
import { processesRootedUnder, terminate } from './processes';
import {
  dropRoot,
  hostLayers,
  HostLayers,
  isMounted,
  mountFreshRoot,
  removeTree,
  writeHostFile,
} from './rootfs';
import { AUTHORIZED_KEYS_PATH, HOST_KEY_PATH, renderSshdConfig } from './sshd-config';

export interface LabHost {
  name: string;
  address: string;
  port: number;
  user: string;
  /** As `ssh-keygen -lf` prints it: `SHA256:` and 43 base64 characters. */
  hostKeySha256: string;
  /** The host's merged root directory on this machine. */
  root: string;
}

export interface LabInventory {
  baseDir: string;
  /** The image every host's root is layered over. */
  imageRootfs: string;
  /** Every host's DNS server. */
  nameserver: string;
  clientKeyPath: string;
  /** known_hosts with every lab host, for `ssh -o StrictHostKeyChecking=yes`. */
  knownHostsPath: string;
  /** Client config with one entry per host: `ssh -F <sshConfigPath> lab-a`. */
  sshConfigPath: string;
  hosts: LabHost[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Sent to the command's standard input. */
  input?: string;
  timeoutMs?: number;
}

export const LAB_BASE_DIR = '/var/lib/cdktf-failover-lab';
export const DEFAULT_HOST_NAMES = ['lab-a', 'lab-b', 'lab-c', 'lab-d', 'lab-e', 'lab-f', 'lab-g'];

/**
 * The names of a lab of `count` hosts, in address order: lab-a … lab-z, then lab-aa, lab-ab, …
 * (as spreadsheet columns), so the first seven are always the default lab's and a bigger lab
 * serves every caller that wants fewer.
 */
export function labHostNames(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS)
    throw new Error(`A lab has 1 to ${MAX_HOSTS} hosts (addresses 198.18.0.11 to .49), not ${count}.`);
  return Array.from({ length: count }, (_, i) => {
    let suffix = '';
    for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26))
      suffix = String.fromCharCode(97 + ((n - 1) % 26)) + suffix;
    return `lab-${suffix}`;
  });
}
const SSH_PORT = 22;

const dirs = {
  hosts: path.join(LAB_BASE_DIR, 'hosts'),
  shared: path.join(LAB_BASE_DIR, 'shared'),
  nfs: path.join(LAB_BASE_DIR, 'nfs'),
  client: path.join(LAB_BASE_DIR, 'client'),
  keys: path.join(LAB_BASE_DIR, 'keys'),
  run: path.join(LAB_BASE_DIR, 'run'),
};
const inventoryPath = path.join(LAB_BASE_DIR, 'inventory.json');
const clientKeyPath = path.join(dirs.client, 'id_ed25519');
const knownHostsPath = path.join(dirs.client, 'known_hosts');
const sshConfigPath = path.join(dirs.client, 'ssh_config');
const hostKeyFile = (host: string): string => path.join(dirs.keys, `${host}_host_ed25519`);

/** Timings of the last startLab() in this process, for the benchmark and the README. */
export const lastStart = { imageMs: 0, imageBuilt: false, totalMs: 0, reused: false };

/**
 * Starts the lab, or reuses it when it already runs healthy and its first hosts are the requested
 * ones. A cold start removes whatever a previous run left (processes, mounts, namespaces), builds
 * the image if the package list changed, and gives every host a fresh root. Keys are kept across
 * cold starts once generated, so pinned fingerprints stay valid.
 */
export async function startLab(options: { hostNames?: string[] } = {}): Promise<LabInventory> {
  const started = Date.now();
  const names = options.hostNames ?? DEFAULT_HOST_NAMES;
  validateHostNames(names);
  const current = tryReadInventory();
  if (current && (await isHealthy(current, names))) {
    Object.assign(lastStart, { imageMs: 0, imageBuilt: false, totalMs: Date.now() - started, reused: true });
    return current;
  }

  stopLab();
  for (const dir of [LAB_BASE_DIR, dirs.hosts, dirs.shared, dirs.nfs, dirs.keys, dirs.run])
    makeDir(dir, 0o755);
  makeDir(dirs.client, 0o700);
  const image = await ensureImage(LAB_BASE_DIR);
  ensureKey(clientKeyPath, 'cdktf-failover-lab-client');

  const hosts: LabHost[] = names.map((name, i) => {
    ensureKey(hostKeyFile(name), name);
    return {
      name,
      address: hostAddressAt(i),
      port: SSH_PORT,
      user: 'root',
      hostKeySha256: fingerprint(fs.readFileSync(`${hostKeyFile(name)}.pub`, 'utf8')),
      root: hostLayers(dirs.hosts, name).root,
    };
  });
  const inventory: LabInventory = {
    baseDir: LAB_BASE_DIR,
    imageRootfs: image.rootfs,
    nameserver: LAB_NAMESERVER,
    clientKeyPath,
    knownHostsPath,
    sshConfigPath,
    hosts,
  };

  ensureBridge();
  startDns(
    LAB_BASE_DIR,
    hosts.map((h) => ({ name: h.name, address: h.address })),
  );
  // The NFS fabric is one shared mount: what a server publishes under its /lab/nfs appears in every host's.
  bindMount(dirs.nfs, dirs.nfs);
  execFileSync('mount', ['--make-shared', dirs.nfs], { stdio: 'pipe' });
  emptyDirectory(dirs.shared);
  hosts.forEach((host, i) => {
    createHostNetwork(host.name, i);
    bootHost(inventory, host);
  });
  writeClientFiles(inventory);
  await Promise.all(hosts.map((h) => waitForSsh(h)));
  fs.writeFileSync(inventoryPath, `${JSON.stringify(inventory, null, 2)}\n`);
  Object.assign(lastStart, {
    imageMs: image.elapsedMs,
    imageBuilt: image.built,
    totalMs: Date.now() - started,
    reused: false,
  });
  return inventory;
}

/** Stops every host, the DNS server and the network; unmounts everything. The image and keys stay. */
export function stopLab(): void {
  const hostNames = fs.existsSync(dirs.hosts) ? fs.readdirSync(dirs.hosts) : [];
  for (const name of hostNames) stopHostProcess(dirs.run, name, hostLayers(dirs.hosts, name).root);
  terminate(
    processesRootedUnder(dirs.hosts).map((p) => p.pid),
    'SIGKILL',
  );
  stopDns(LAB_BASE_DIR);
  detachFabric();
  unmountAll((m) => isUnder(m, dirs.hosts) || isUnder(m, dirs.nfs));
  for (const ns of labNamespaces()) removeNamespace(ns);
  removeBridge();
}

/**
 * Gives one host a fresh root (its upper layer dropped), its first address only, an empty
 * firewall and neighbour table, and restarts it: every process in it ends, open SSH connections to it close.
 */
export function resetHost(hostName: string): void {
  const inventory = readInventory();
  const host = findHost(inventory, hostName);
  shutDownHost(host);
  resetHostNetwork(LAB_BASE_DIR, host.name, inventory.hosts.indexOf(host));
  bootHost(inventory, host);
  waitForSshSync(host);
}

/** Resets every host, empties /lab/shared and removes the DNS records tests added. */
export async function resetLab(): Promise<void> {
  const inventory = readInventory();
  for (const host of inventory.hosts) shutDownHost(host);
  emptyDirectory(dirs.shared);
  inventory.hosts.forEach((host, i) => {
    resetHostNetwork(LAB_BASE_DIR, host.name, i);
    bootHost(inventory, host);
  });
  await clearDnsRecords(LAB_BASE_DIR);
  await Promise.all(inventory.hosts.map((h) => waitForSsh(h)));
}

/** True when the lab described by the inventory is up: hosts running, sshd answering, DNS alive. */
export async function labIsRunning(): Promise<boolean> {
  const inventory = tryReadInventory();
  return inventory !== undefined && isHealthy(inventory, []);
}

export function readInventory(): LabInventory {
  const inventory = tryReadInventory();
  if (!inventory)
    throw new Error(`No lab inventory at ${inventoryPath}: start the lab first (npm run lab -- start).`);
  return inventory;
}

/** Path on this machine of `pathInsideHost` (absolute, as seen inside the host). */
export function hostPath(hostName: string, pathInsideHost: string): string {
  if (!pathInsideHost.startsWith('/'))
    throw new Error(`Expected an absolute path inside the host, got ${pathInsideHost}`);
  // normalize() resolves "..", so the result cannot leave the host root.
  return path.join(findHost(readInventory(), hostName).root, path.posix.normalize(pathInsideHost));
}

/** Where the emulators' shared Python modules live on a host (emulators/common, and an emulator's own package). */
export const EMULATOR_LIBRARY = '/lab/lib/python';
const COMMON_MODULES = path.join(__dirname, 'emulators', 'common');

/**
 * Copies the Python modules of a source folder into the host's emulator library, under `packageName`
 * when given (an emulator split into modules), else at its top (the shared helpers).
 */
export function installEmulatorModules(
  hostName: string,
  sourceDirectory: string,
  packageName?: string,
): void {
  const target = hostPath(hostName, packageName ? `${EMULATOR_LIBRARY}/${packageName}` : EMULATOR_LIBRARY);
  fs.mkdirSync(target, { recursive: true });
  for (const name of fs.readdirSync(sourceDirectory))
    if (name.endsWith('.py') && !name.startsWith('test_'))
      fs.copyFileSync(path.join(sourceDirectory, name), path.join(target, name));
}

/**
 * Installs an executable as /lab/bin/<commandName> on one host, where it shadows the real command,
 * with the shared helpers every emulator imports. Returns its path here.
 */
export function installEmulator(hostName: string, commandName: string, scriptText: string): string {
  if (!/^[A-Za-z0-9._+-]+$/.test(commandName)) throw new Error(`Invalid command name: ${commandName}`);
  installEmulatorModules(hostName, COMMON_MODULES);
  const file = hostPath(hostName, `/lab/bin/${commandName}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, scriptText, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return file;
}

/** Runs a shell command inside a host over real SSH, with the lab key and strict host key checking. */
export function runOnHost(hostName: string, shellCommand: string, options: RunOptions = {}): RunResult {
  const r = spawnSync('ssh', sshArgs(hostName, shellCommand), {
    encoding: 'utf8',
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like runOnHost, without blocking: for commands that must overlap (one holds a lock while another tries it). */
export function runOnHostAsync(
  hostName: string,
  shellCommand: string,
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', sshArgs(hostName, shellCommand), { timeout: options.timeoutMs ?? 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a program inside a host without SSH (its namespaces, its root): for lab helpers, not for testing the library. */
export function execInHost(hostName: string, argv: string[], options: RunOptions = {}): RunResult {
  findHost(readInventory(), hostName);
  const r = runInHost(dirs.run, hostName, argv, options);
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running program inside a host; stop() ends it, and so does a reset of the host. */
export function startInHost(hostName: string, argv: string[]): { stop: () => void } {
  findHost(readInventory(), hostName);
  return spawnInHost(dirs.run, hostName, argv);
}

// ---------------------------------------------------------------- network helpers

/** Traffic from one host to another, as a firewall on the receiving host sees it. */
export interface TrafficSelector {
  from: string;
  to: string;
  protocol: BlockedProtocol;
  /** For tcp and udp. */
  port?: number;
}

/**
 * Makes the receiving host's firewall drop (default) or reject what `from` sends it on that port
 * (or all ICMP from it, which also silences the replies to its pings). Other ports stay open.
 */
export function blockTraffic(selector: TrafficSelector, action: 'drop' | 'reject' = 'drop'): void {
  const inventory = readInventory();
  const from = findHost(inventory, selector.from);
  findHost(inventory, selector.to);
  addFirewallRule(LAB_BASE_DIR, selector.to, {
    fromAddress: from.address,
    protocol: selector.protocol,
    action,
    ...(selector.port !== undefined ? { port: selector.port } : {}),
  });
}

export function unblockTraffic(selector: TrafficSelector): void {
  const inventory = readInventory();
  const from = findHost(inventory, selector.from);
  removeFirewallRule(LAB_BASE_DIR, selector.to, {
    fromAddress: from.address,
    protocol: selector.protocol,
    ...(selector.port !== undefined ? { port: selector.port } : {}),
  });
}

/** Blocks a protocol and port in both directions between two hosts. */
export function blockBetween(a: string, b: string, protocol: BlockedProtocol, port?: number): void {
  blockTraffic({ from: a, to: b, protocol, ...(port !== undefined ? { port } : {}) });
  blockTraffic({ from: b, to: a, protocol, ...(port !== undefined ? { port } : {}) });
}

/** An extra address on a host (a virtual IP): it answers ping and ARP, and every service listening on all addresses. */
export function addHostAddress(hostName: string, address: string): void {
  findHost(readInventory(), hostName);
  addAddress(hostName, address);
}

export function removeHostAddress(hostName: string, address: string): void {
  const host = findHost(readInventory(), hostName);
  if (address === host.address)
    throw new Error(`${address} is ${hostName}'s own address; reset the host instead`);
  removeAddress(hostName, address);
}

/** What a host listens on: TCP sockets in LISTEN, bound UDP sockets. */
export function listeningSockets(hostName: string): ListeningSocket[] {
  findHost(readInventory(), hostName);
  const pid = hostInitPid(dirs.run, hostName);
  if (!pid) throw new Error(`Lab host ${hostName} is not running`);
  return listeningSocketsOf(pid);
}

/** Makes `name` resolve to exactly these addresses from every host (a shared hostname: several). */
export function setLabDnsRecord(name: string, addresses: readonly string[]): Promise<void> {
  return setDnsRecord(LAB_BASE_DIR, name, addresses);
}

export function removeLabDnsRecord(name: string): Promise<void> {
  return removeDnsRecord(LAB_BASE_DIR, name);
}

// ---------------------------------------------------------------- hosts

function bootHost(inventory: LabInventory, host: LabHost): void {
  const layers = hostLayers(dirs.hosts, host.name);
  mountFreshRoot(inventory.imageRootfs, layers);
  seedHost(layers, host);
  bindMount(dirs.shared, path.join(layers.root, 'lab/shared'));
  // A plain bind of a shared mount joins its peer group: publications propagate both ways.
  execFileSync('mount', ['--bind', dirs.nfs, path.join(layers.root, 'lab/nfs')], { stdio: 'pipe' });
  startHostProcess(dirs.run, host.name, layers.root);
}

/** What makes a host itself: its name, its address in /etc/hosts, its sshd and keys. */
function seedHost(layers: HostLayers, host: LabHost): void {
  writeHostFile(layers, '/etc/hostname', `${host.name}\n`);
  writeHostFile(layers, '/etc/hosts', `127.0.0.1\tlocalhost\n${host.address}\t${host.name}\n`);
  writeHostFile(
    layers,
    '/etc/ssh/sshd_config',
    renderSshdConfig({ hostName: host.name, port: host.port, path: LAB_PATH }),
  );
  writeHostFile(layers, HOST_KEY_PATH, fs.readFileSync(hostKeyFile(host.name)), 0o600);
  writeHostFile(layers, `${HOST_KEY_PATH}.pub`, fs.readFileSync(`${hostKeyFile(host.name)}.pub`));
  writeHostFile(layers, AUTHORIZED_KEYS_PATH, fs.readFileSync(`${clientKeyPath}.pub`));
}

/** Ends the host's processes, withdraws what it published on the NFS fabric and drops its upper layer. */
function shutDownHost(host: LabHost): void {
  const layers = hostLayers(dirs.hosts, host.name);
  stopHostProcess(dirs.run, host.name, layers.root);
  const fabric = path.join(layers.root, 'lab/nfs');
  // Out of the peer group first: unmounting this host's view must not unmount another server's exports.
  if (isMounted(fabric)) execFileSync('mount', ['--make-rslave', fabric], { stdio: 'pipe' });
  const published = path.join(dirs.nfs, host.address);
  // Unmounted at the source, so every other host's view of this server's exports goes too.
  unmountAll((m) => isUnder(m, published));
  removeTree(published);
  unmountAll((m) => isUnder(m, layers.root) && m !== layers.root);
  dropRoot(layers);
}

/** Every host's view of the NFS fabric out of the peer group, so tearing one down leaves the others. */
function detachFabric(): void {
  for (const m of mountPoints()) {
    if (m.startsWith(`${dirs.hosts}/`) && m.endsWith('/root/lab/nfs'))
      spawnSync('mount', ['--make-rslave', m], { stdio: 'ignore' });
  }
}

function sshArgs(hostName: string, shellCommand: string): string[] {
  const inventory = readInventory();
  findHost(inventory, hostName);
  // The generated client config carries the key, known_hosts and strict checking (also for -J hops).
  return ['-F', inventory.sshConfigPath, hostName, '--', shellCommand];
}

function findHost(inventory: LabInventory, hostName: string): LabHost {
  const host = inventory.hosts.find((h) => h.name === hostName);
  if (!host)
    throw new Error(`Unknown lab host ${hostName}; known: ${inventory.hosts.map((h) => h.name).join(', ')}`);
  return host;
}

function tryReadInventory(): LabInventory | undefined {
  try {
    return JSON.parse(fs.readFileSync(inventoryPath, 'utf8')) as LabInventory;
  } catch {
    return undefined;
  }
}

function validateHostNames(names: string[]): void {
  if (names.length === 0 || names.length > MAX_HOSTS) throw new Error(`A lab has 1 to ${MAX_HOSTS} hosts.`);
  for (const name of names) {
    // Short enough for a network namespace name with its prefix.
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(name)) throw new Error(`Invalid lab host name: ${name}`);
  }
  if (new Set(names).size !== names.length) throw new Error('Lab host names must be unique.');
}

async function isHealthy(inventory: LabInventory, names: string[]): Promise<boolean> {
  // A lab started with more hosts (same names first) serves a caller that wants fewer: no restart.
  if (!names.every((name, i) => inventory.hosts[i]?.name === name)) return false;
  if (![clientKeyPath, knownHostsPath, sshConfigPath, inventory.imageRootfs].every((f) => fs.existsSync(f)))
    return false;
  if (!dnsPid(LAB_BASE_DIR)) return false;
  const mounts = new Set(mountPoints());
  for (const host of inventory.hosts) {
    if (![host.root, `${host.root}/proc`, `${host.root}/lab/nfs`].every((m) => mounts.has(m))) return false;
    if (!hostInitPid(dirs.run, host.name)) return false;
  }
  const open = await Promise.all(inventory.hosts.map((h) => acceptsTcp(h.address, h.port, 500)));
  return open.every(Boolean);
}

async function waitForSsh(host: LabHost): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await acceptsTcp(host.address, host.port, 300)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `sshd of ${host.name} is not listening on ${host.address}:${host.port}.${hostLogTail(host)}`,
  );
}

/** resetHost stays synchronous for its callers: poll with a child process instead of the event loop. */
function waitForSshSync(host: LabHost): void {
  const probe =
    'const net=require("net");const [h,p]=process.argv.slice(1);const d=Date.now()+15000;' +
    '(function t(){const s=net.connect({host:h,port:+p});s.once("connect",()=>process.exit(0));' +
    's.once("error",()=>{s.destroy();Date.now()>d?process.exit(1):setTimeout(t,25)})})()';
  const r = spawnSync(process.execPath, ['-e', probe, host.address, String(host.port)], { timeout: 20_000 });
  if (r.status !== 0)
    throw new Error(
      `sshd of ${host.name} is not listening on ${host.address}:${host.port}.${hostLogTail(host)}`,
    );
}

function acceptsTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function writeClientFiles(inventory: LabInventory): void {
  const knownHosts = inventory.hosts.map((h) => {
    const [type, key] = fs
      .readFileSync(`${hostKeyFile(h.name)}.pub`, 'utf8')
      .trim()
      .split(/\s+/);
    return `${h.address} ${type} ${key}\n`;
  });
  fs.writeFileSync(knownHostsPath, knownHosts.join(''), { mode: 0o644 });
  const perHost = inventory.hosts.map((h) => `Host ${h.name}\n  HostName ${h.address}\n  Port ${h.port}\n`);
  // First value wins in ssh_config, so the catch-all comes last.
  const defaults = [
    'Host *',
    '  User root',
    `  IdentityFile ${clientKeyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHostsPath}`,
    '  StrictHostKeyChecking yes',
    '  BatchMode yes',
    '  LogLevel ERROR',
    '  ConnectTimeout 10',
    '',
  ];
  fs.writeFileSync(sshConfigPath, [...perHost, ...defaults].join('\n'), { mode: 0o644 });
}

function ensureKey(keyPath: string, comment: string): void {
  if (fs.existsSync(keyPath) && fs.existsSync(`${keyPath}.pub`)) return;
  fs.rmSync(keyPath, { force: true });
  fs.rmSync(`${keyPath}.pub`, { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', keyPath], {
    stdio: 'pipe',
  });
}

/** SHA-256 fingerprint of a public key line, exactly as `ssh-keygen -lf` prints it (unpadded base64). */
export function fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function makeDir(dir: string, mode: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, mode);
}

/** Deletes a directory's contents but keeps the directory itself (it is a bind-mount source). */
function emptyDirectory(dir: string): void {
  for (const entry of fs.readdirSync(dir)) removeTree(path.join(dir, entry));
}

function hostLogTail(host: LabHost): string {
  const logs = [path.join(dirs.run, `${host.name}.log`), path.join(host.root, 'var/log/lab-sshd.log')];
  return logs
    .map((log) => {
      try {
        const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
        return lines ? `\nLast lines of ${log}:\n${lines}` : '';
      } catch {
        return '';
      }
    })
    .join('');
}
