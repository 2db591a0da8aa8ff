/**
 * Local test lab: one real sshd per lab host, each on its own loopback address, each chrooted into
 * its own filesystem, all accepting one generated client key for root.
 *
 * Inside every host: /usr (read-only, the system's), /dev, /proc, writable per-host directories,
 * /lab/bin (emulated vendor commands, first on PATH), /lab/shared (one directory seen by all hosts)
 * and /lab/hosts/<name> (every host's root, so an emulator can bind-mount another host's directory).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { buildPristine, buildSkeleton, emptyDirectory, LAB_PATH, restoreFromPristine } from './host-fs';
import { bindMount, isUnder, mountPoints, mountProc, unmountAll } from './mounts';
import { isAlive, listProcesses, processesRootedUnder, terminate } from './processes';
import { renderSshdConfig } from './sshd-config';

export interface LabHost {
  name: string;
  address: string;
  port: number;
  user: string;
  /** As `ssh-keygen -lf` prints it: `SHA256:` and 43 base64 characters. */
  hostKeySha256: string;
  /** The host's root directory on this machine. */
  root: string;
}

export interface LabInventory {
  baseDir: string;
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

/** Not under /tmp: sshd wants every component of a ChrootDirectory root-owned and not writable by others. */
export const LAB_BASE_DIR = '/var/lib/cdktf-failover-lab';
export const DEFAULT_HOST_NAMES = ['lab-a', 'lab-b', 'lab-c', 'lab-d', 'lab-e', 'lab-f', 'lab-g'];
const SSH_PORT = 2222;
const SSHD = '/usr/sbin/sshd';

const dirs = {
  hosts: path.join(LAB_BASE_DIR, 'hosts'),
  pristine: path.join(LAB_BASE_DIR, 'pristine'),
  shared: path.join(LAB_BASE_DIR, 'shared'),
  client: path.join(LAB_BASE_DIR, 'client'),
  sshd: path.join(LAB_BASE_DIR, 'sshd'),
};
const inventoryPath = path.join(LAB_BASE_DIR, 'inventory.json');
const clientKeyPath = path.join(dirs.client, 'id_ed25519');
const authorizedKeysPath = path.join(dirs.client, 'authorized_keys');
const knownHostsPath = path.join(dirs.client, 'known_hosts');
const sshConfigPath = path.join(dirs.client, 'ssh_config');

const sshdFile = (host: string, suffix: string): string => path.join(dirs.sshd, `${host}${suffix}`);

/**
 * Starts the lab, or reuses it when it already runs healthy and its first hosts are the requested ones.
 * A cold start cleans up whatever a previous run left (processes, mounts, pid files) and gives
 * every host pristine writable directories; keys are kept across cold starts once generated.
 */
export async function startLab(options: { hostNames?: string[] } = {}): Promise<LabInventory> {
  const names = options.hostNames ?? DEFAULT_HOST_NAMES;
  validateHostNames(names);
  const current = tryReadInventory();
  if (current && (await isHealthy(current, names))) return current;

  stopLab();
  assertChrootableParents(LAB_BASE_DIR);
  for (const dir of [LAB_BASE_DIR, dirs.hosts, dirs.pristine, dirs.shared, dirs.sshd]) makeDir(dir, 0o755);
  makeDir(dirs.client, 0o700);
  // sshd's privilege-separation directory; /run is often a fresh tmpfs without it.
  makeDir('/run/sshd', 0o755);
  ensureKey(clientKeyPath, 'cdktf-failover-lab-client');
  fs.writeFileSync(authorizedKeysPath, fs.readFileSync(`${clientKeyPath}.pub`), { mode: 0o600 });

  const hosts: LabHost[] = names.map((name, i) => ({
    name,
    address: `127.0.0.${11 + i}`,
    port: SSH_PORT,
    user: 'root',
    hostKeySha256: '',
    root: path.join(dirs.hosts, name),
  }));
  for (const host of hosts) {
    const keyPath = sshdFile(host.name, '_host_ed25519');
    ensureKey(keyPath, host.name);
    host.hostKeySha256 = fingerprint(fs.readFileSync(`${keyPath}.pub`, 'utf8'));
    const pristine = path.join(dirs.pristine, host.name);
    buildSkeleton(host.root);
    buildPristine(pristine, host.name, hosts);
    restoreFromPristine(host.root, pristine);
    mountHost(host.root);
  }
  emptyDirectory(dirs.shared);
  for (const host of hosts) startSshd(host);

  const inventory: LabInventory = {
    baseDir: LAB_BASE_DIR,
    clientKeyPath,
    knownHostsPath,
    sshConfigPath,
    hosts,
  };
  writeClientFiles(inventory);
  await Promise.all(hosts.map((h) => waitForPort(h)));
  fs.writeFileSync(inventoryPath, `${JSON.stringify(inventory, null, 2)}\n`);
  return inventory;
}

/** Stops every lab sshd and session, and unmounts everything below the lab directory. Files stay. */
export function stopLab(): void {
  const pids = new Set<number>();
  for (const p of listProcesses()) {
    // sshd rewrites its command line ("sshd: /usr/sbin/sshd -f <config> [listener] ..."), so match a substring.
    if (p.exe === SSHD && p.argv.join(' ').includes(`${dirs.sshd}/`)) pids.add(p.pid);
  }
  for (const p of processesRootedUnder(dirs.hosts)) pids.add(p.pid);
  terminate([...pids]);
  unmountAll((m) => m.startsWith(`${LAB_BASE_DIR}/`));
  if (fs.existsSync(dirs.sshd)) {
    for (const f of fs.readdirSync(dirs.sshd)) if (f.endsWith('.pid')) fs.rmSync(path.join(dirs.sshd, f));
  }
}

/**
 * Restores one host's writable directories to pristine without restarting its sshd: unmounts what
 * was mounted inside the host (e.g. emulated NFS mounts), ends processes left running in it, and
 * empties /lab/bin. Open SSH connections to the host survive; commands still running in it do not.
 */
export function resetHost(hostName: string): void {
  const host = findHost(readInventory(), hostName);
  const leftovers = processesRootedUnder(host.root).filter((p) => p.exe !== SSHD);
  terminate(leftovers.map((p) => p.pid));
  unmountAll((m) => isUnder(m, host.root) && !isOwnMount(host.root, m));
  restoreFromPristine(host.root, path.join(dirs.pristine, host.name));
}

/** Resets every host and empties /lab/shared. */
export function resetLab(): void {
  for (const host of readInventory().hosts) resetHost(host.name);
  emptyDirectory(dirs.shared);
}

/** True when the lab described by the inventory is up: sshd processes alive, ports open, mounts in place. */
export async function labIsRunning(): Promise<boolean> {
  const inventory = tryReadInventory();
  return inventory !== undefined && isHealthy(inventory, []);
}

export function readInventory(): LabInventory {
  const inventory = tryReadInventory();
  if (!inventory)
    throw new Error(
      `No lab inventory at ${inventoryPath}: start the lab first (npx ts-node test/lab/cli.ts start).`,
    );
  return inventory;
}

/** Path on this machine of `pathInsideHost` (absolute, as seen inside the host). */
export function hostPath(hostName: string, pathInsideHost: string): string {
  if (!pathInsideHost.startsWith('/'))
    throw new Error(`Expected an absolute path inside the host, got ${pathInsideHost}`);
  // normalize() resolves "..", so the result cannot leave the host root.
  return path.join(findHost(readInventory(), hostName).root, path.posix.normalize(pathInsideHost));
}

/** Installs an executable as /lab/bin/<commandName> on one host, where it shadows the real command. Returns its path here. */
export function installEmulator(hostName: string, commandName: string, scriptText: string): string {
  if (!/^[A-Za-z0-9._+-]+$/.test(commandName)) throw new Error(`Invalid command name: ${commandName}`);
  const file = hostPath(hostName, `/lab/bin/${commandName}`);
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
  if (names.length === 0 || names.length > 200) throw new Error('A lab has 1 to 200 hosts.');
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) throw new Error(`Invalid lab host name: ${name}`);
  }
  if (new Set(names).size !== names.length) throw new Error('Lab host names must be unique.');
}

/** The lab's own mounts in a host; anything else below the host root was mounted by a test or an emulator. */
function isOwnMount(root: string, mountPoint: string): boolean {
  return (
    [`${root}/usr`, `${root}/lab/shared`, `${root}/lab/hosts`].includes(mountPoint) ||
    isUnder(mountPoint, `${root}/dev`) ||
    isUnder(mountPoint, `${root}/proc`)
  );
}

function mountHost(root: string): void {
  bindMount('/usr', `${root}/usr`, { readOnly: true });
  bindMount('/dev', `${root}/dev`, { recursive: true });
  mountProc(`${root}/proc`);
  bindMount(dirs.shared, `${root}/lab/shared`);
  // Not recursive: another host's /usr, /dev and /proc mounts are not entered again through it, and
  // a plain bind of a private mount keeps later mounts inside one host from appearing in the others.
  bindMount(dirs.hosts, `${root}/lab/hosts`);
}

function startSshd(host: LabHost): void {
  const config = sshdFile(host.name, '.conf');
  const log = sshdFile(host.name, '.log');
  fs.writeFileSync(
    config,
    renderSshdConfig({
      hostName: host.name,
      address: host.address,
      port: host.port,
      hostKeyPath: sshdFile(host.name, '_host_ed25519'),
      pidFilePath: sshdFile(host.name, '.pid'),
      authorizedKeysPath,
      chrootDirectory: host.root,
      path: LAB_PATH,
    }),
  );
  fs.writeFileSync(log, '');
  // Own UTS namespace: `hostname` inside the host answers its lab name, as on a real machine.
  const r = spawnSync(
    'unshare',
    [
      '--uts',
      '--',
      '/bin/sh',
      '-c',
      'hostname "$1" && exec "$2" -f "$3" -E "$4"',
      'sh',
      host.name,
      SSHD,
      config,
      log,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`sshd for ${host.name} did not start: ${r.stderr}${logTail(log)}`);
}

async function isHealthy(inventory: LabInventory, names: string[]): Promise<boolean> {
  // A lab started with more hosts (same names first) serves a caller that wants fewer: no restart.
  if (!names.every((name, i) => inventory.hosts[i]?.name === name)) return false;
  if (![clientKeyPath, knownHostsPath, sshConfigPath].every((f) => fs.existsSync(f))) return false;
  const mounts = new Set(mountPoints());
  for (const host of inventory.hosts) {
    if (![`${host.root}/usr`, `${host.root}/proc`, `${host.root}/lab/hosts`].every((m) => mounts.has(m)))
      return false;
    const pid = Number(readOr(sshdFile(host.name, '.pid'), ''));
    if (!pid || !isAlive(pid)) return false;
  }
  const open = await Promise.all(inventory.hosts.map((h) => acceptsTcp(h.address, h.port, 500)));
  return open.every(Boolean);
}

async function waitForPort(host: LabHost): Promise<void> {
  const deadline = Date.now() + 10_000;
  const pidFile = sshdFile(host.name, '.pid');
  while (Date.now() < deadline) {
    if (fs.existsSync(pidFile) && (await acceptsTcp(host.address, host.port, 300))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `sshd for ${host.name} is not listening on ${host.address}:${host.port}.${logTail(sshdFile(host.name, '.log'))}`,
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
    const [type, key] = fs.readFileSync(sshdFile(h.name, '_host_ed25519.pub'), 'utf8').trim().split(/\s+/);
    return `[${h.address}]:${h.port} ${type} ${key}\n`;
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

/** Fails early with a clear message instead of sshd's "bad ownership or modes for chroot directory". */
function assertChrootableParents(dir: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
      throw new Error(
        `${d} must be owned by root and not group- or world-writable: sshd refuses chroot directories below it.`,
      );
    }
    if (d === '/') return;
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function logTail(log: string): string {
  const lines = readOr(log, '').split('\n').slice(-15).join('\n');
  return lines ? `\nLast lines of ${log}:\n${lines}` : '';
}
