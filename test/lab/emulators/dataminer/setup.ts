/**
 * Puts an emulated DataMiner Agent on a lab host, reached as the library reaches a Windows agent
 * (the lab's `powershell`, ../windows): the install folder with the files the vendor documents,
 * the SLDataMiner service (dataminer-lab.py, a process with DataMiner's ports), SLKill.exe, SLTaskbarUtility.exe (the documented stop and start), and
 * optionally IIS Application Request Routing and the agent's own Cassandra (../cassandra). Helpers
 * read what the running process reports; knobs make its start slow or fail.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execInHost, hostPath, installEmulator, LabHost, resetHost, runOnHost } from '../../lab';
import { selfSignedCertificate } from '../../tls';
import { installCassandraNode } from '../cassandra/setup';
import {
  hasWindowsEmulation,
  installWindowsEmulation,
  registerWindowsProgram,
  registerWindowsService,
  windowsHostPath,
  windowsToHostPath,
  writeWindowsFile,
} from '../windows/setup';

const EMULATOR = fs.readFileSync(path.join(__dirname, 'dataminer-lab.py'), 'utf8');

/** The vendor's names, as its documentation gives them. */
export const DATAMINER_DIR = 'C:\\Skyline DataMiner';
export const DATAMINER_SERVICE_NAME = 'SLDataMiner';
export const SLKILL_PROGRAM = 'Files\\SLKill.exe';
export const TASKBAR_UTILITY =
  'C:\\Program Files (x86)\\Skyline Communications\\Skyline Taskbar Utility\\SLTaskbarUtility.exe';
/** The process a running DataMiner is, as Get-Process lists it. */
export const DATAMINER_PROCESS_NAME = 'SLDataMiner';
export const NATS_REPAIR_PROGRAM = 'Tools\\NATSRepair.exe';
export const ARR_DIR = 'C:\\Program Files\\IIS\\Application Request Routing';
export const NPCAP_FILE = 'C:\\Windows\\System32\\Npcap\\wpcap.dll';
export const CASSANDRA_DIR = 'C:\\Program Files\\Cassandra';
export const CASSANDRA_NODETOOL = `${CASSANDRA_DIR}\\bin\\nodetool.bat`;
export const CASSANDRA_DATA_DIR = 'C:\\ProgramData\\Cassandra';
export const CASSANDRA_SERVICE_NAME = 'cassandra';
export const DATAMINER_PORTS = {
  remoting: 8004,
  nats: 4222,
  natsCluster: 6222,
  natsAccountServer: 9090,
  https: 443,
  http: 80,
} as const;

const EMULATOR_PATH = '/lab/bin/dataminer-lab';
const CONFIG = '/etc/dataminer-lab/agent.json';
const TLS_DIR = '/etc/dataminer-lab/tls';
const STATE_DIR = '/var/lib/dataminer-lab';
/** DataMiner's encrypted <PWD> as the lab writes it (see dataminer-lab.py). */
const ENCRYPTED = 'lab-encrypted:';

export interface DataMinerAgentOptions {
  /** The DataMiner ID in DataMiner.xml. */
  readonly id: number;
  /** The installed version: the last line of Upgrades\VersionHistory.txt, after its ";". */
  readonly version: string;
  /** Versions installed before, oldest first: the earlier lines of VersionHistory.txt. */
  readonly previousVersions?: readonly string[];
  /** The agent's name (MaintenanceSettings.xml, the web page). @default the host's name */
  readonly name?: string;
  /** @default C:\Skyline DataMiner */
  readonly installDir?: string;
  /** Npcap installed (its wpcap.dll under System32\Npcap), as virtual IP pairs need. @default true */
  readonly npcap?: boolean;
  /** DMS.xml's cluster. @default standalone: named after the agent, listing only itself */
  readonly cluster?: { readonly name: string; readonly agents: readonly { ip: string; id: number }[] };
  /**
   * A `<Failover>` in DMS.xml, as once Failover is switched on in Cube. `<FailoverType>` and
   * `<Hostname>` are the vendor's; each virtual IP is written as `<VirtualIP>` (the lab's stand-in:
   * the vendor does not publish the rest of the element).
   */
  readonly failover?: {
    readonly type: 'VirtualIP' | 'HostName';
    readonly hostname?: string;
    readonly virtualIps?: readonly string[];
    /** The other agent of the pair, which GetDataMinerAgentsInfo lists beside this one. */
    readonly partner?: { readonly ip: string; readonly name?: string };
  };
  /**
   * Web Services v1 (JSON interface) on the agent's HTTP(S) port: ConnectApp accepts these logins
   * (name → password), GetDataMinerAgentsInfo lists this agent and its Failover partner. Answers
   * are wrapped in `{"d": ...}` unless `wrap` is false. @default no login is accepted
   */
  readonly webServices?: { readonly users: Readonly<Record<string, string>>; readonly wrap?: boolean };
  /** DB.xml as is. @default the agent's own Cassandra (`type="Cassandra"`) and a search database */
  readonly dbXml?: string;
  /** HTTPS enabled in MaintenanceSettings.xml, served on 443 with a certificate naming these. @default disabled: HTTP on 80 */
  readonly https?: { readonly subjectAltNames: readonly string[]; readonly name?: string };
  /** Element folders under Elements\, each with an Element.xml. @default none */
  readonly elements?: readonly string[];
  /** The licence file: true is dataminer.lic. @default true */
  readonly licence?: boolean | 'dataminer.lic' | 'response.lic';
  /** IIS Application Request Routing installed. @default false */
  readonly arr?: boolean;
  /** DBConfiguration.xml in Database\ or Databases\. @default none */
  readonly dbConfiguration?: { readonly folder: 'Database' | 'Databases'; readonly xml: string };
  /** Start SLDataMiner once set up. @default true */
  readonly running?: boolean;
  /** The agent's own Cassandra: Windows service `cassandra`, nodetool.bat, TCP 7000 and 9042. @default none */
  readonly cassandra?: { readonly releaseVersion: string; readonly running?: boolean };
  /** More files under the install folder (relative path → content), or null to leave a default one out. */
  readonly files?: Readonly<Record<string, string | Buffer | null>>;
}

export interface InstalledAgent {
  /** The Windows install folder. */
  readonly installDir: string;
  /** The HTTPS certificate, when the agent has one. */
  readonly certificatePem?: string;
}

const crlf = (lines: readonly string[]): string => lines.map((l) => `${l}\r\n`).join('');
const xmlAttr = (v: string): string =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmlText = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** The `<PWD>` DataMiner writes for a plain-text password on this agent (its startup encryption). */
export function encryptedPassword(secret: string, plain: string): string {
  return `${ENCRYPTED}${createHash('sha256').update(`${secret}\0${plain}`).digest('base64')}`;
}

export function dataMinerXml(id: number): string {
  return crlf([XML_DECLARATION, `<DataMiner id="${id}">`, '</DataMiner>']);
}

export function dmsXml(
  cluster: NonNullable<DataMinerAgentOptions['cluster']>,
  failover?: DataMinerAgentOptions['failover'],
): string {
  return crlf([
    XML_DECLARATION,
    '<DMS>',
    `  <Cluster name="${xmlAttr(cluster.name)}" />`,
    ...cluster.agents.map((a) => `  <DMA ip="${xmlAttr(a.ip)}" id="${a.id}" />`),
    ...(failover
      ? [
          '  <Failover>',
          `    <FailoverType>${failover.type}</FailoverType>`,
          `    <Hostname>${xmlText(failover.hostname ?? '')}</Hostname>`,
          ...(failover.virtualIps ?? []).map((ip) => `    <VirtualIP>${xmlText(ip)}</VirtualIP>`),
          '  </Failover>',
        ]
      : []),
    '</DMS>',
  ]);
}

/** A DB.xml of an agent registered for Storage as a Service (its `<DataBase type="CloudStorage">`). */
export function cloudStorageDbXml(): string {
  return crlf([
    XML_DECLARATION,
    '<DataBases xmlns="http://www.skyline.be/config/db">',
    '  <DataBase active="true" local="true" type="CloudStorage" />',
    '</DataBases>',
  ]);
}

/** A DB.xml for the agent's own Cassandra (`<PWD>` as given: plain text is encrypted at the next start). */
export function perAgentDbXml(password: string): string {
  return crlf([
    XML_DECLARATION,
    '<DataBases xmlns="http://www.skyline.be/config/db">',
    '  <DataBase active="true" local="true" type="Cassandra">',
    '    <DBServer>localhost</DBServer>',
    '    <DB>sldmadb</DB>',
    '    <UID>root</UID>',
    `    <PWD>${xmlText(password)}</PWD>`,
    '  </DataBase>',
    '  <DataBase search="true" type="Elasticsearch">',
    '    <DBServer>localhost</DBServer>',
    '  </DataBase>',
    '</DataBases>',
  ]);
}

export function maintenanceSettingsXml(https: { enabled: boolean; name: string }): string {
  return crlf([
    XML_DECLARATION,
    '<MaintenanceSettings>',
    `  <HTTPS enabled="${https.enabled}" name="${xmlAttr(https.name)}" />`,
    '</MaintenanceSettings>',
  ]);
}

/** VersionHistory.txt: one `yyyy-MM-dd HH:mm:ss;<version>` line per install, the installed one last. */
export function versionHistory(versions: readonly string[]): string {
  const first = Date.UTC(2024, 0, 15, 9, 30, 12);
  return crlf(
    versions.map((v, i) => {
      const t = new Date(first + i * 41 * 86_400_000 + i * 3_917_000).toISOString();
      return `${t.slice(0, 10)} ${t.slice(11, 19)};${v}`;
    }),
  );
}

function ok(host: LabHost, command: string): string {
  const r = runOnHost(host.name, command, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${host.name}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A link inside the host, relative so it resolves the same from this machine (under the host's root). */
function linkInHost(host: LabHost, linkInside: string, targetInside: string): void {
  const link = hostPath(host.name, linkInside);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.mkdirSync(hostPath(host.name, targetInside), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(path.posix.relative(path.posix.dirname(linkInside), targetInside), link);
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

/**
 * A DataMiner Agent on a freshly reset host: the files under the install folder, SLKill.exe,
 * SLTaskbarUtility.exe
 * (NATSRepair.exe from 10.6), the SLDataMiner service, and what the options add. Started unless
 * `running` is false; returns once it runs.
 */
export async function installDataMinerAgent(
  host: LabHost,
  options: DataMinerAgentOptions,
): Promise<InstalledAgent> {
  if (!Number.isInteger(options.id) || options.id < 1) throw new Error(`Not a DataMiner ID: ${options.id}`);
  if (!/^[0-9A-Za-z. [\]_-]+$/.test(options.version)) throw new Error(`Invalid version ${options.version}`);
  if (!hasWindowsEmulation(host)) installWindowsEmulation(host);
  installEmulator(host.name, 'dataminer-lab', EMULATOR);
  const installDir = options.installDir ?? DATAMINER_DIR;
  const name = options.name ?? host.name;
  const secret = randomBytes(16).toString('hex');
  const file = (relative: string, content: string | Buffer) =>
    writeWindowsFile(host, `${installDir}\\${relative}`, content);

  const defaults: Record<string, string | Buffer> = {
    'DataMiner.xml': dataMinerXml(options.id),
    'DMS.xml': dmsXml(
      options.cluster ?? { name, agents: [{ ip: host.address, id: options.id }] },
      options.failover,
    ),
    'DB.xml': options.dbXml ?? perAgentDbXml(encryptedPassword(secret, 'root')),
    'MaintenanceSettings.xml': maintenanceSettingsXml({
      enabled: options.https !== undefined,
      name: options.https?.name ?? options.https?.subjectAltNames[0] ?? name,
    }),
    'Upgrades\\VersionHistory.txt': versionHistory([...(options.previousVersions ?? []), options.version]),
  };
  const licence = options.licence ?? true;
  if (licence !== false)
    defaults[licence === true ? 'dataminer.lic' : licence] = `lab licence for DataMiner ID ${options.id}\r\n`;
  for (const element of options.elements ?? []) {
    if (!/^[^\\/:*?"<>|]+$/.test(element)) throw new Error(`Not a folder name: ${element}`);
    defaults[`Elements\\${element}\\Element.xml`] = crlf([
      XML_DECLARATION,
      `<Element name="${xmlAttr(element)}" />`,
    ]);
  }
  if (options.dbConfiguration)
    defaults[`${options.dbConfiguration.folder}\\DBConfiguration.xml`] = options.dbConfiguration.xml;
  for (const [relative, content] of Object.entries(options.files ?? {})) {
    if (content === null) delete defaults[relative];
    else defaults[relative] = content;
  }
  fs.mkdirSync(windowsHostPath(host, `${installDir}\\Elements`), { recursive: true });
  for (const [relative, content] of Object.entries(defaults)) file(relative, content);

  registerWindowsProgram(host, `${installDir}\\${SLKILL_PROGRAM}`, [
    '/usr/bin/python3',
    EMULATOR_PATH,
    'slkill',
  ]);
  registerWindowsProgram(host, TASKBAR_UTILITY, ['/usr/bin/python3', EMULATOR_PATH, 'taskbar']);
  if (versionAtLeast(options.version, 10, 6))
    registerWindowsProgram(host, `${installDir}\\${NATS_REPAIR_PROGRAM}`, [
      '/usr/bin/python3',
      EMULATOR_PATH,
      'natsrepair',
    ]);
  if (options.arr)
    writeWindowsFile(host, `${ARR_DIR}\\requestRouter.dll`, 'lab stand-in for requestRouter.dll\r\n');
  if (options.npcap ?? true) writeWindowsFile(host, NPCAP_FILE, 'lab stand-in for wpcap.dll\r\n');

  let certificatePem: string | undefined;
  let tls: { cert: string; key: string } | undefined;
  if (options.https) {
    const made = selfSignedCertificate(options.https.subjectAltNames[0], options.https.subjectAltNames);
    fs.mkdirSync(hostPath(host.name, TLS_DIR), { recursive: true });
    fs.writeFileSync(hostPath(host.name, `${TLS_DIR}/cert.pem`), made.cert);
    fs.writeFileSync(hostPath(host.name, `${TLS_DIR}/key.pem`), made.key, { mode: 0o600 });
    certificatePem = made.cert;
    tls = { cert: `${TLS_DIR}/cert.pem`, key: `${TLS_DIR}/key.pem` };
  }
  const config = hostPath(host.name, CONFIG);
  fs.mkdirSync(path.dirname(config), { recursive: true });
  fs.writeFileSync(
    config,
    `${JSON.stringify(
      {
        installDir: path.posix.join(
          '/',
          path.relative(hostPath(host.name, '/'), windowsHostPath(host, installDir)),
        ),
        windowsInstallDir: installDir,
        name,
        address: host.address,
        secret,
        ...(options.failover?.partner ? { failoverPartner: options.failover.partner } : {}),
        ...(options.webServices ? { webServices: options.webServices } : {}),
        ...(tls ? { tls } : {}),
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );
  registerWindowsService(host, DATAMINER_SERVICE_NAME, {
    kind: 'command',
    displayName: DATAMINER_SERVICE_NAME,
    control: ['/usr/bin/python3', EMULATOR_PATH, 'service'],
  });

  if (options.cassandra) {
    installCassandraNode(host, {
      releaseVersion: options.cassandra.releaseVersion,
      running: options.cassandra.running ?? true,
    });
    // DataMiner's Cassandra keeps its configuration and data where the Cassandra emulator reads them.
    linkInHost(host, windowsToHostPath(`${CASSANDRA_DIR}\\conf`), '/etc/cassandra');
    linkInHost(host, windowsToHostPath(CASSANDRA_DATA_DIR), '/var/lib/cassandra');
    registerWindowsProgram(host, CASSANDRA_NODETOOL, ['/lab/bin/nodetool']);
    registerWindowsService(host, CASSANDRA_SERVICE_NAME, { kind: 'systemd', unit: 'cassandra' });
  }

  if (options.running ?? true) {
    ok(host, `${EMULATOR_PATH} service start`);
    await waitForDataMiner(host, 'Running');
  }
  return { installDir, ...(certificatePem ? { certificatePem } : {}) };
}

/**
 * The demo's and the benchmark's pair, on freshly reset hosts: a primary in use (ID 7, one element)
 * and a newly installed backup (ID 12), both on 10.3.0 [CU9] and registered for Storage as a Service.
 */
export async function installStorageAsAServiceAgents(primary: LabHost, backup: LabHost): Promise<void> {
  for (const host of [primary, backup]) resetHost(host.name);
  const common = { version: '10.3.0.0-12752-CU9', dbXml: cloudStorageDbXml() };
  await installDataMinerAgent(primary, { id: 7, elements: ['Router 1'], ...common });
  await installDataMinerAgent(backup, { id: 12, ...common });
}

function installDirOf(host: LabHost): string {
  try {
    return (JSON.parse(fs.readFileSync(hostPath(host.name, CONFIG), 'utf8')) as { windowsInstallDir: string })
      .windowsInstallDir;
  } catch {
    return DATAMINER_DIR;
  }
}

/** This machine's path of a Windows path on the agent (names matched in any case, as NTFS does). */
export function agentPath(host: LabHost, windowsPath: string): string {
  return windowsHostPath(host, windowsPath);
}

/** A file under the agent's install folder (`DMS.xml`, `Upgrades\VersionHistory.txt`), or undefined. */
export function readAgentFile(host: LabHost, relative: string): string | undefined {
  try {
    return fs.readFileSync(agentPath(host, `${installDirOf(host)}\\${relative}`), 'utf8');
  } catch {
    return undefined;
  }
}

/** Every file under the install folder (`Elements\A\Element.xml`) with the sha256 of its bytes. */
export function snapshotAgentFiles(host: LabHost): Record<string, string> {
  const root = agentPath(host, installDirOf(host));
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string, depth: number): void => {
    if (depth > 32) throw new Error(`${dir}: folders nested too deep`);
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}\\`, depth + 1);
      else if (entry.isFile())
        out[`${prefix}${entry.name}`] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  if (fs.existsSync(root)) walk(root, '', 0);
  return out;
}

export type DataMinerStatus = 'Running' | 'StartPending' | 'StopPending' | 'Stopped';

/** What the SLDataMiner process reports, with `running` worked out inside the host. */
export interface DataMinerState {
  readonly installed: boolean;
  readonly running: boolean;
  readonly status: DataMinerStatus;
  readonly pid?: number;
  /** Successful starts since the host's reset; SLKill (or a stop) counts in `stops`. */
  readonly starts: number;
  readonly stops: number;
  readonly natsRepairs: number;
  /** The DataMiner ID the last start read from DataMiner.xml. */
  readonly id?: number;
  /** DB.xml as the last start read it (before encrypting a plain-text password), null when missing. */
  readonly dbXml?: string | null;
  /** The last start rewrote DB.xml to encrypt a plain-text `<PWD>`. */
  readonly dbPasswordsEncrypted?: boolean;
  readonly https?: { enabled: boolean; name?: string; problem?: string };
  /** TCP ports the last start listened on. */
  readonly ports?: number[];
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly lastStop?: { time: string; by: string };
  readonly lastFailure?: { time: string; reason: string };
}

export function dataMinerState(host: LabHost): DataMinerState {
  const r = execInHost(host.name, ['/usr/bin/python3', EMULATOR_PATH, 'lab-state']);
  if (r.code !== 0) throw new Error(`${host.name}: dataminer-lab lab-state exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as DataMinerState;
}

/** Polls the service until it has `status`; fails after the timeout with the last state seen. */
export async function waitForDataMiner(
  host: LabHost,
  status: DataMinerStatus,
  timeoutMs = 15_000,
): Promise<DataMinerState> {
  const deadline = Date.now() + timeoutMs;
  let last: DataMinerState | undefined;
  for (let attempt = 0; attempt < 1000; attempt++) {
    last = dataMinerState(host);
    if (last.status === status) return last;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${host.name}: SLDataMiner is not ${status} after ${timeoutMs} ms: ${JSON.stringify(last)}`,
  );
}

function knob(host: LabHost, name: string, value: string | undefined): void {
  const file = hostPath(host.name, `${STATE_DIR}/knobs/${name}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (value === undefined) fs.rmSync(file, { force: true });
  else fs.writeFileSync(file, `${value}\n`);
}

/** Knob: the next starts stay StartPending this long before DataMiner runs (undefined: no delay). */
export function setDataMinerStartDelay(host: LabHost, seconds: number | undefined): void {
  if (seconds !== undefined && !(seconds >= 0 && seconds <= 3600)) throw new Error(`Not a delay: ${seconds}`);
  knob(host, 'start-delay', seconds === undefined ? undefined : String(seconds));
}

/** Knob: the next starts fail with this reason (Start-Service fails); undefined starts normally again. */
export function setDataMinerFailStart(host: LabHost, reason: string | undefined): void {
  knob(host, 'fail-start', reason);
}
