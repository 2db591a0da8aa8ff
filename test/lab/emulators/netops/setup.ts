/**
 * Puts the emulated DX NetOps fault-tolerance surface on lab hosts: InstallAnywhere installers of
 * the proxy, the data aggregators, the data collectors and the portal; the `service` and `vsql`
 * commands; the data repository listener. Helpers read what the emulated processes report, and
 * knobs make them misbehave the way a broken site does. Every process is started inside its host
 * (over SSH or by the installer run there), so a host reset ends it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EMULATOR_LIBRARY,
  hostPath,
  installEmulator,
  installEmulatorModules,
  LabHost,
  runOnHost,
  RunResult,
} from '../../lab';
import type { DaStatusFormat } from './status-variants';

/** The executable installed under each command name; the programs are the package netops beside it (README). */
const LAUNCHER = fs.readFileSync(path.join(__dirname, 'netops-lab'), 'utf8');
const COMMANDS = ['netops-lab', 'service', 'vsql'];

/** The emulator inside a host; the installers, dadaemon and `service` all call it. */
export const NETOPS_LAB = '/lab/bin/netops-lab';

export type NetOpsComponent = 'proxy' | 'aggregator' | 'collector' | 'portal';
export type DaState = 'Active' | 'Inactive' | 'Maintenance' | 'Failed';

/** The vendor's default install directories (the proxy has none of its own here). */
export const DEFAULT_INSTALL_DIR = {
  aggregator: '/opt/IMDataAggregator',
  collector: '/opt/IMDataCollector',
  portal: '/opt/CA',
} as const;

/** Asked at the first install only (with USER_INSTALL_DIR); an upgrade reuses the saved answers. */
export const FAULT_TOLERANCE_KEYS: Readonly<Record<NetOpsComponent, readonly string[]>> = {
  aggregator: [
    'LAB_SHARED_DIR',
    'LAB_PROXY_HOST',
    'LAB_DB_HOST',
    'LAB_DB_PORT',
    'LAB_DB_USER',
    'LAB_DB_PASSWORD',
  ],
  collector: ['LAB_DA_HOST', 'LAB_FAILOVER_DA_HOST'],
  proxy: [],
  portal: [],
};

export const KARAF_LOG = 'apache-karaf-4.4.3/data/log/karaf.log';
export const DA_READY_LINE = 'Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr';
/** The lock file in the shared directory whose exclusive holder is the Active DA. */
export const DA_ACTIVE_LOCK = '.lab-da-active.lock';
/** The catalog service name the DAs' agents register. */
export const DA_CONSUL_SERVICE = 'lab-data-aggregator';
export const INSTALLS_LOG = '/var/lib/netops-lab/installs.log';

const STATE_DIR = '/var/lib/netops-lab';

function ok(host: string, command: string, options: { timeoutMs?: number } = {}): string {
  const r = runOnHost(host, command, options);
  if (r.code !== 0) throw new Error(`${host}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Single-quoted for sh. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Each file the emulator needs in a host, with its text here: the commands, the package, labemu. */
function emulatorFiles(): { inHost: string; source: string }[] {
  const modules = (directory: string, inHost: string) =>
    fs
      .readdirSync(directory)
      .filter((name) => name.endsWith('.py') && !name.startsWith('test_'))
      .map((name) => ({ inHost: `${inHost}/${name}`, source: path.join(directory, name) }));
  return [
    ...COMMANDS.map((name) => ({ inHost: `/lab/bin/${name}`, source: path.join(__dirname, 'netops-lab') })),
    ...modules(__dirname, `${EMULATOR_LIBRARY}/netops`),
    ...modules(path.join(__dirname, '..', 'common'), EMULATOR_LIBRARY),
  ];
}

function installedAlready(host: LabHost): boolean {
  return emulatorFiles().every(({ inHost, source }) => {
    try {
      return fs.readFileSync(hostPath(host.name, inHost)).equals(fs.readFileSync(source));
    } catch {
      return false;
    }
  });
}

/**
 * The emulator, and the `service` and `vsql` commands it answers as, in the host's /lab/bin, with
 * its package in /lab/lib/python/netops. Written only when a file differs: a file is rewritten in
 * place, and a daemon starting while its module is rewritten would read half of it.
 */
export function installNetOpsEmulators(host: LabHost): void {
  if (installedAlready(host)) return;
  // The package before the commands, so that no command runs without its modules.
  installEmulatorModules(host.name, __dirname, 'netops');
  for (const name of COMMANDS) installEmulator(host.name, name, LAUNCHER);
}

/**
 * Writes an InstallAnywhere installer of one component and version at `options.path` in the host:
 * `<path> -i silent -f <response.properties>`. Returns the path inside the host.
 */
export function installNetOpsInstaller(
  host: LabHost,
  options: { path: string; component: NetOpsComponent; version: string },
): string {
  if (!options.path.startsWith('/'))
    throw new Error(`Expected an absolute installer path, got ${options.path}`);
  if (!(options.component in FAULT_TOLERANCE_KEYS)) throw new Error(`Unknown component ${options.component}`);
  if (!/^[0-9A-Za-z._-]+$/.test(options.version)) throw new Error(`Invalid version ${options.version}`);
  installNetOpsEmulators(host);
  const file = hostPath(host.name, options.path);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      '#!/bin/sh',
      `# DX NetOps Performance Management ${options.component} ${options.version}: InstallAnywhere installer (lab emulation).`,
      `exec /usr/bin/python3 ${NETOPS_LAB} install ${options.component} ${options.version} "$0" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  fs.chmodSync(file, 0o755);
  return options.path;
}

/** A Java properties text with every character a reader could take otherwise escaped (as Properties.store does). */
export function propertiesText(entries: Readonly<Record<string, string>>, comment?: string): string {
  const escape = (text: string, isKey: boolean): string =>
    Array.from(text)
      .map((c, i) => {
        const code = c.codePointAt(0)!;
        if (c === ' ' && (isKey || i === 0)) return '\\ ';
        const named: Record<string, string> = {
          '\\': '\\\\',
          '\t': '\\t',
          '\n': '\\n',
          '\r': '\\r',
          '\f': '\\f',
        };
        if (named[c]) return named[c];
        if ('=:#!'.includes(c)) return `\\${c}`;
        if (code < 0x20 || code > 0x7e)
          return Array.from({ length: c.length }, (_, j) => c.charCodeAt(j))
            .map((u) => `\\u${u.toString(16).toUpperCase().padStart(4, '0')}`)
            .join('');
        return c;
      })
      .join('');
  const lines = Object.entries(entries).map(([k, v]) => `${escape(k, true)}=${escape(v, false)}`);
  return `${comment ? `# ${comment}\n` : ''}${lines.join('\n')}\n`;
}

/** Writes a response file into the host: the entries escaped, or a text as is (for odd syntax). */
export function writeResponseFile(
  host: LabHost,
  pathInHost: string,
  content: Readonly<Record<string, string>> | string,
): void {
  const file = hostPath(host.name, pathInHost);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : propertiesText(content), { mode: 0o600 });
}

/** Runs an installer unattended over SSH, as an operator would. */
export function runInstaller(host: LabHost, installerPath: string, responseFile: string): RunResult {
  return runOnHost(host.name, `${shellQuote(installerPath)} -i silent -f ${shellQuote(responseFile)}`, {
    timeoutMs: 90_000,
  });
}

export interface InstallRun {
  time: string;
  component: NetOpsComponent;
  version: string;
  /** The installer's own path. */
  installer: string;
  responseFile: string;
  /** USER_INSTALL_DIR as given (absent when the response file could not be read). */
  dir?: string;
  result: 'installed' | 'upgraded' | 'failed';
  /** The run stopped the Active DA, so the other one took over (see unplannedFailovers). */
  unplannedFailover?: boolean;
  errors?: string[];
  warnings?: string[];
}

/** Every installer run on the host, failed ones too, oldest first. */
export function installRuns(host: LabHost, component?: NetOpsComponent): InstallRun[] {
  let text = '';
  try {
    text = fs.readFileSync(hostPath(host.name, INSTALLS_LOG), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as InstallRun)
    .filter((run) => component === undefined || run.component === component);
}

/** How many times an installer ran on the host (of one component, or of any). */
export function installCount(host: LabHost, component?: NetOpsComponent): number {
  return installRuns(host, component).length;
}

export interface InstalledComponent {
  dir: string;
  version: string;
  /** The saved answers, password included (the file is mode 0600). */
  answers: Record<string, string>;
  answersMode: number;
}

/** What the installer left for a component on the host, or undefined when it is not installed. */
export function installedComponent(
  host: LabHost,
  component: NetOpsComponent,
): InstalledComponent | undefined {
  const registry = hostPath(host.name, `${STATE_DIR}/components/${component}.json`);
  if (!fs.existsSync(registry)) return undefined;
  const { dir } = JSON.parse(fs.readFileSync(registry, 'utf8')) as { dir: string };
  const answersFile = hostPath(host.name, `${dir}/.lab/answers.json`);
  return {
    dir,
    version: fs.readFileSync(hostPath(host.name, `${dir}/.lab/version`), 'utf8').trim(),
    answers: JSON.parse(fs.readFileSync(answersFile, 'utf8')) as Record<string, string>,
    answersMode: fs.statSync(answersFile).mode & 0o777,
  };
}

function aggregatorDir(host: LabHost): string {
  const installed = installedComponent(host, 'aggregator');
  if (!installed) throw new Error(`${host.name} has no Data Aggregator installed`);
  return installed.dir;
}

/** `<install dir>/scripts/dadaemon <verb>` over SSH. */
export function dadaemon(
  host: LabHost,
  verb: 'start' | 'stop' | 'restart' | 'status' | 'maintenance' | 'activate',
): RunResult {
  return runOnHost(host.name, `${shellQuote(`${aggregatorDir(host)}/scripts/dadaemon`)} ${verb}`, {
    timeoutMs: 60_000,
  });
}

/** The state `dadaemon status` prints in the default wording (daStatusFormat unset), or 'not running'. */
export function daStatus(host: LabHost): DaState | 'not running' {
  const r = dadaemon(host, 'status');
  const m = /^Data Aggregator status: (\S+)/m.exec(r.stdout);
  if (r.code === 0 && m) return m[1] as DaState;
  if (r.code === 3 && /Data Aggregator is not running/.test(r.stdout)) return 'not running';
  throw new Error(`${host.name}: unexpected dadaemon status (exit ${r.code}): ${r.stdout}${r.stderr}`);
}

function labState<T>(host: LabHost, daemon: string): T {
  return JSON.parse(ok(host.name, `${NETOPS_LAB} lab-state ${daemon}`)) as T;
}

export interface DaDaemonState {
  running: boolean;
  pid?: number;
  /** Also 'Stopped' after a stop (the last thing a daemon wrote). */
  state?: DaState | 'Starting' | 'Stopped';
  reason?: string;
  sharedDir?: string;
  lockFile?: string;
  /** Addresses of the data collectors connected on TCP 8581. */
  collectors?: string[];
  since?: string;
}

/** The DA process's own report (not affected by forceDaStatus). */
export function daDaemonState(host: LabHost): DaDaemonState {
  return labState<DaDaemonState>(host, 'dadaemon');
}

/** Knob: `dadaemon status` prints this state whatever the DA is (two hosts can both claim Active). */
export function forceDaStatus(host: LabHost, state: DaState | undefined): void {
  const knob = hostPath(host.name, `${STATE_DIR}/knobs/force-da-status`);
  fs.mkdirSync(path.dirname(knob), { recursive: true });
  if (state) fs.writeFileSync(knob, `${state}\n`);
  else fs.rmSync(knob, { force: true });
}

/**
 * Knob: the wording `dadaemon status` (and the verbs that end by printing the status) uses on this
 * host, one of status-variants.ts; undefined restores the default line.
 */
export function daStatusFormat(host: LabHost, format: DaStatusFormat | undefined): void {
  const knob = hostPath(host.name, `${STATE_DIR}/knobs/da-status-format`);
  fs.mkdirSync(path.dirname(knob), { recursive: true });
  if (format) fs.writeFileSync(knob, `${format}\n`);
  else fs.rmSync(knob, { force: true });
}

/** Knob: `dadaemon maintenance` leaves ActiveMQ running (the broker of a split brain). */
export function keepActiveMqAfterMaintenance(host: LabHost, on: boolean): void {
  const knob = hostPath(host.name, `${STATE_DIR}/knobs/keep-activemq-after-maintenance`);
  fs.mkdirSync(path.dirname(knob), { recursive: true });
  if (on) fs.writeFileSync(knob, '');
  else fs.rmSync(knob, { force: true });
}

export interface ActiveMqState {
  running: boolean;
  pid?: number;
  /** locked: the broker holds the KahaDB lock in the shared directory; waiting: another broker does. */
  kahadb?: 'waiting' | 'locked' | 'released';
  sharedDir?: string;
}

export function activeMqState(host: LabHost): ActiveMqState {
  return labState<ActiveMqState>(host, 'activemq');
}

export interface DcmdState {
  running: boolean;
  pid?: number;
  /** hung: no DA answered when it started; it stays so until restarted. */
  state?: 'connecting' | 'connected' | 'hung' | 'reconnecting' | 'stopped';
  /** "address:8581" of the DA it is connected to. */
  da?: string | null;
  daHosts?: string[];
  reason?: string;
}

export function dcmdState(host: LabHost): DcmdState {
  return labState<DcmdState>(host, 'dcmd');
}

/** The DA's karaf.log ('' before it has one). */
export function karafLog(host: LabHost): string {
  try {
    return fs.readFileSync(hostPath(host.name, `${aggregatorDir(host)}/${KARAF_LOG}`), 'utf8');
  } catch {
    return '';
  }
}

/** GET on the host's own Consul HTTP API (127.0.0.1:8500), fetched inside the host. */
export function consulApi<T>(host: LabHost, apiPath: string): T {
  if (!/^\/v1\/[A-Za-z0-9/_.-]+$/.test(apiPath)) throw new Error(`Unexpected Consul API path ${apiPath}`);
  const fetch =
    'import sys, urllib.request; ' +
    'sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:8500" + sys.argv[1], timeout=5).read().decode())';
  return JSON.parse(ok(host.name, `python3 -c ${shellQuote(fetch)} ${apiPath}`)) as T;
}

export interface ConsulMember {
  Name: string;
  Addr: string;
  Port: number;
  /** 1 alive, 4 failed. */
  Status: number;
  Tags: Record<string, string>;
}

export interface ConsulCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: string;
  Output: string;
  ServiceName: string;
}

export const consulMembers = (host: LabHost): ConsulMember[] => consulApi(host, '/v1/agent/members');
export const consulLeader = (host: LabHost): string => consulApi(host, '/v1/status/leader');
export const consulPeers = (host: LabHost): string[] => consulApi(host, '/v1/status/peers');
export const consulCriticalChecks = (host: LabHost): ConsulCheck[] =>
  consulApi(host, '/v1/health/state/critical');
export const consulServices = (host: LabHost): Record<string, string[]> =>
  consulApi(host, '/v1/catalog/services');

/** Starts the data repository (Vertica) stand-in: a TCP listener that checks vsql's credentials. */
export function startDataRepository(
  host: LabHost,
  options: { port?: number; user: string; password: string },
): void {
  installNetOpsEmulators(host);
  const config = hostPath(host.name, `${STATE_DIR}/repository/config.json`);
  fs.mkdirSync(path.dirname(config), { recursive: true });
  fs.writeFileSync(
    config,
    JSON.stringify({ port: options.port ?? 5433, user: options.user, password: options.password }),
    { mode: 0o600 },
  );
  ok(host.name, `${NETOPS_LAB} repository stop && ${NETOPS_LAB} repository start`);
}

export function stopDataRepository(host: LabHost): void {
  ok(host.name, `${NETOPS_LAB} repository stop`);
}

/** Polls until `probe` returns a truthy value (returned), or fails after the timeout with the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: unknown;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    try {
      const value = probe();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
  throw new Error(
    `Timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
  );
}

/**
 * Knob: the installer of these components stops midway on the host (files and version written, no
 * saved answers, no registry entry, no service started; exit 2), as a half-failed install leaves
 * it. An empty list clears it.
 */
export function failInstallMidway(host: LabHost, components: readonly NetOpsComponent[]): void {
  const knob = hostPath(host.name, `${STATE_DIR}/knobs/fail-install-midway`);
  fs.mkdirSync(path.dirname(knob), { recursive: true });
  if (components.length > 0) fs.writeFileSync(knob, `${components.join('\n')}\n`);
  else fs.rmSync(knob, { force: true });
}

export interface UnplannedFailover {
  time: string;
  dir: string;
  version: string;
  reason: string;
}

/** Each time an installer stopped the host's Active DA (the other then took over unasked), oldest first. */
export function unplannedFailovers(host: LabHost): UnplannedFailover[] {
  try {
    return fs
      .readFileSync(hostPath(host.name, `${STATE_DIR}/unplanned-failovers.log`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as UnplannedFailover);
  } catch {
    return [];
  }
}

/** How many times the host's DA became Active, as its karaf.log tells (each start of the DA process). */
export function timesBecameActive(host: LabHost): number {
  return karafLog(host)
    .split('\n')
    .filter((line) => line.endsWith('| Data Aggregator status: Active')).length;
}
