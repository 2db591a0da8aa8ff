/**
 * The emulated Windows DataMiner Agents on lab hosts, driven the way the library drives a Windows
 * host: a RemoteHost over a real SSH session, every command through the host's PowerShell session,
 * run by the real PowerShell. Each primitive answers with the output and exit status its script documents;
 * the SLDataMiner process reads its files at start and listens on DataMiner's ports.
 * Hosts: lab-a (agent with HTTPS, ARR, its own Cassandra), lab-b (standalone agent, HTTP).
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HostProps } from '../../index';
import { DEFAULT_LOCATIONS } from '../../constructs/cassandra-two-node/props';
import {
  ARR_FOLDER,
  DATAMINER_FILES,
  DATAMINER_PROCESS,
  DEFAULT_TASKBAR_UTILITY,
  LICENCE_FILES,
} from '../../constructs/dataminer-failover-pair/commands';
import {
  parseAdapters,
  parseDataMinerId,
  parseVersionHistory,
} from '../../constructs/dataminer-failover-pair/parse';
import { DEFAULT_INSTALL_DIR } from '../../constructs/dataminer-failover-pair/props';
import {
  ANSWERS_AT_PS,
  AWAIT_PROCESS_PS,
  LIST_ADAPTER_ADDRESSES_PS,
  LIST_FOLDERS_PS,
  PATH_EXISTS_PS,
  PROCESS_STATE_PS,
  RESOLVE_NAME_PS,
  REVERSE_LOOKUP_PS,
  RUN_AND_WAIT_PS,
} from '../../src/dialect/windows-primitives';
import {
  FIRST_DATA_FILE_PS,
  NODETOOL_PS,
  PORT_CHECK_PS,
  SERVICE_STATE_PS,
} from '../../constructs/cassandra-two-node/commands';
import { CommandResult, RemoteHost } from '../../src/runner/remote-host';
import { SshSession } from '../../src/runner/ssh-session';
import { hostSchema } from '../../src/schema/host';
import {
  agentPath,
  ARR_DIR,
  CASSANDRA_DATA_DIR,
  CASSANDRA_DIR,
  CASSANDRA_NODETOOL,
  DATAMINER_DIR,
  DATAMINER_PORTS,
  DATAMINER_PROCESS_NAME,
  DATAMINER_SERVICE_NAME,
  dataMinerState,
  installDataMinerAgent,
  perAgentDbXml,
  readAgentFile,
  setDataMinerFailStart,
  setDataMinerStartDelay,
  SLKILL_PROGRAM,
  snapshotAgentFiles,
  TASKBAR_UTILITY,
  waitForDataMiner,
} from '../lab/emulators/dataminer/setup';
import {
  RUN_PROGRAM_PS,
  SERVICE_STATUS_PS,
  START_SERVICE_PS,
} from '../lab/emulators/windows/service-scripts';
import { addTroubledService, windowsCommandLines, windowsToHostPath } from '../lab/emulators/windows/setup';
import { labHostProps } from '../support/lab-hosts';
import {
  addHostAddress,
  blockTraffic,
  LabHost,
  LabInventory,
  listeningSockets,
  removeHostAddress,
  removeLabDnsRecord,
  resetHost,
  runOnHost,
  setLabDnsRecord,
  startLab,
  unblockTraffic,
} from '../lab/lab';

jest.setTimeout(180_000);

const NAMES = ['lab-a', 'lab-b'];
const VERSION = '10.5.4.0-15588-20250319-release';
const EARLIER = '10.4.0.0-14017-20240215-release';
const CASSANDRA_RELEASE = '4.0.11';
const SANS = ['dma.lab.test', '198.18.0.50'];
const DB_CONFIGURATION = '<?xml version="1.0" encoding="utf-8"?>\r\n<DBConfiguration />\r\n';
const inDir = (relative: string) => `${DATAMINER_DIR}\\${relative}`;

let lab: LabInventory;
let a: LabHost;
let b: LabHost;
const sessions: SshSession[] = [];
let agentA: RemoteHost;
let agentB: RemoteHost;

const host = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;

/** The host as a construct declares a Windows agent, connected over SSH like the runner does. */
async function connect(h: LabHost, extra: Partial<HostProps> = {}): Promise<[RemoteHost, SshSession]> {
  const config = hostSchema.parse(
    labHostProps(lab, h, { os: 'windows', commandTimeoutSeconds: 60, ...extra }),
  );
  const session = await SshSession.open(config);
  sessions.push(session);
  return [new RemoteHost(config, session), session];
}

/** A primitive as the runner sends it: through the host's PowerShell session. */
const run = (agent: RemoteHost, script: string, vars: Record<string, string> = {}): Promise<CommandResult> =>
  agent.run({ powershell: script, vars });

const lines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l !== '');
const listens = (h: LabHost, port: number): boolean =>
  listeningSockets(h.name).some((s) => s.protocol === 'tcp' && s.port === port);
async function tunnelTo(agent: RemoteHost, address: string, port: number): Promise<Duplex> {
  return agent.openTunnel(address, port);
}

function tlsPeer(socket: Duplex, servername: string): Promise<tls.DetailedPeerCertificate> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket, servername, rejectUnauthorized: false }, () => {
      const cert = t.getPeerCertificate(true);
      t.end();
      resolve(cert);
    });
    t.once('error', reject);
    t.setTimeout(10_000, () => reject(new Error('no TLS handshake within 10 s')));
  });
}

function httpGet(socket: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no full answer within 10 s: ${text}`)), 10_000);
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.once('error', reject);
    // The server closes after its answer; the SSH channel closes once this side ends too.
    socket.once('end', () => {
      clearTimeout(timer);
      socket.end();
      resolve(text);
    });
    socket.write('GET / HTTP/1.1\r\nHost: agent\r\nConnection: close\r\n\r\n');
  });
}

beforeAll(async () => {
  lab = await startLab();
  [a, b] = NAMES.map(host);
  NAMES.forEach(resetHost);
  await installDataMinerAgent(a, {
    id: 7,
    version: VERSION,
    previousVersions: [EARLIER],
    https: { subjectAltNames: SANS },
    elements: ['Router 1', 'Switch 2'],
    arr: true,
    dbConfiguration: { folder: 'Databases', xml: DB_CONFIGURATION },
    cassandra: { releaseVersion: CASSANDRA_RELEASE },
  });
  await installDataMinerAgent(b, { id: 12, version: VERSION, licence: 'response.lic' });
  [agentA] = await connect(a);
  [agentB] = await connect(b);
});

afterAll(() => {
  for (const s of sessions) s.close();
  if (lab) NAMES.forEach(resetHost);
});

describe("the lab's Windows side", () => {
  it('runs the real PowerShell, with the names the DataMiner construct uses', async () => {
    const version = await run(agentA, '$PSVersionTable.PSVersion.ToString()');
    expect(version).toMatchObject({ code: 0, stdout: '7.6.9\r\n' });
    // Windows-only cmdlets are the WindowsLab module's; the language and .NET are PowerShell's own.
    const origin = await run(
      agentA,
      "(Get-Command Get-NetIPAddress).Source + ' ' + (Get-Command Test-Path).Source",
    );
    expect(origin.stdout).toBe('WindowsLab Microsoft.PowerShell.Management\r\n');
    expect(DATAMINER_PROCESS_NAME).toBe(DATAMINER_PROCESS);
    expect(DATAMINER_DIR).toBe(DEFAULT_INSTALL_DIR);
    expect(TASKBAR_UTILITY).toBe(DEFAULT_TASKBAR_UTILITY);
    expect(ARR_DIR).toBe(ARR_FOLDER);
    expect(DEFAULT_LOCATIONS['windows-dataminer']).toMatchObject({
      nodetoolPath: CASSANDRA_NODETOOL,
      dataDirectory: CASSANDRA_DATA_DIR,
      configPath: `${CASSANDRA_DIR}\\conf\\cassandra.yaml`,
      serviceName: 'cassandra',
    });
  });

  it("refuses a command line over cmd.exe's 8,191 characters with Windows' own words, and records every line", () => {
    const long = `powershell -NoProfile -EncodedCommand ${Buffer.from('x'.repeat(4000), 'utf16le').toString('base64')}`;
    const refused = runOnHost(a.name, long);
    expect([refused.code, refused.stderr]).toEqual([1, 'The command line is too long.\r\n']);
    expect(windowsCommandLines(a).at(-1)).toBe(long);
    const garbled = runOnHost(a.name, 'powershell -NoProfile -EncodedCommand @@');
    expect(garbled.code).toBe(1);
    expect(garbled.stderr).toContain('-EncodedCommand is not properly encoded');
  });

  it('binds values the library quotes, across lines and with every kind of single quote', async () => {
    const folder = "C:\\Lab\\it's ‘quoted’ ‚low‛\\two\nlines";
    const backup = await agentA.writeFile(`${folder}\\note.txt`, 'first\r\n');
    expect(backup).toBeUndefined();
    expect(await agentA.readFile(`${folder}\\note.txt`)).toBe('first\r\n');
    expect((await run(agentA, LIST_FOLDERS_PS, { path: 'C:\\Lab' })).stdout).toBe("it's ‘quoted’ ‚low‛\r\n");
    expect((await run(agentA, PATH_EXISTS_PS, { path: `${folder}\\note.txt` })).code).toBe(0);
  });
});

describe('files through the runner', () => {
  it('reads DataMiner.xml and replaces it atomically, keeping the newest backups', async () => {
    const file = inDir(DATAMINER_FILES.dataMiner);
    const original = readAgentFile(a, 'DataMiner.xml')!;
    expect(parseDataMinerId(original)).toBe(7);
    expect(await agentA.readFile(file)).toBe(original);
    // Either slash separates names. (NTFS would also match names in any case; the lab's
    // filesystem does not, so the library never relies on it.)
    expect(await agentA.readFile('C:/Skyline DataMiner/DataMiner.xml')).toBe(original);
    expect(await agentA.readFile(inDir('Missing.xml'))).toBeUndefined();

    const next = original.replace('id="7"', 'id="8"');
    const backup = await agentA.writeFile(file, next);
    expect(backup).toMatch(/^C:\\Skyline DataMiner\\DataMiner\.xml\.cdktf-failover-backup-\d{8}T\d{9}Z$/);
    expect(readAgentFile(a, 'DataMiner.xml')).toBe(next);
    expect(readAgentFile(a, backup!.slice(DATAMINER_DIR.length + 1))).toBe(original);

    const backups: string[] = [backup!];
    for (let i = 0; i < 6; i++)
      backups.push((await agentA.writeFile(file, original.replace('id="7"', `id="${20 + i}"`)))!);
    expect(new Set(backups).size).toBe(7);
    const kept = Object.keys(snapshotAgentFiles(a)).filter((f) =>
      f.startsWith('DataMiner.xml.cdktf-failover-backup-'),
    );
    expect(kept.sort()).toEqual(
      backups
        .slice(-5)
        .map((p) => p.slice(DATAMINER_DIR.length + 1))
        .sort(),
    );

    await agentA.writeFile(file, original);
    expect(readAgentFile(a, 'DataMiner.xml')).toBe(original);
    const bytes = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
    await agentA.writeFile(inDir('Lab\\bytes.bin'), bytes);
    expect(fs.readFileSync(agentPath(a, inDir('Lab\\bytes.bin')))).toEqual(bytes);
  });

  it('pending markers: written, seen and removed (REMOVE_FILE_PS), a missing one too', async () => {
    expect(await agentB.isPending('dataminer-start-due')).toBe(false);
    await agentB.setPending('dataminer-start-due', 'a test');
    expect(await agentB.isPending('dataminer-start-due')).toBe(true);
    expect(
      fs.readFileSync(agentPath(b, 'C:\\ProgramData\\cdktf-failover\\pending\\dataminer-start-due'), 'utf8'),
    ).toBe('a test\n');
    await agentB.clearPending('dataminer-start-due');
    expect(await agentB.isPending('dataminer-start-due')).toBe(false);
    await agentB.clearPending('dataminer-start-due');
  });
});

describe('primitives', () => {
  it('paths and folders: exit 0 or 3, folder names one per line', async () => {
    expect((await run(agentA, PATH_EXISTS_PS, { path: DATAMINER_DIR })).code).toBe(0);
    expect((await run(agentA, PATH_EXISTS_PS, { path: inDir(LICENCE_FILES[0]) })).code).toBe(0);
    expect((await run(agentB, PATH_EXISTS_PS, { path: inDir(LICENCE_FILES[0]) })).code).toBe(3);
    expect((await run(agentB, PATH_EXISTS_PS, { path: inDir(LICENCE_FILES[1]) })).code).toBe(0);
    expect((await run(agentA, PATH_EXISTS_PS, { path: ARR_FOLDER })).code).toBe(0);
    expect((await run(agentB, PATH_EXISTS_PS, { path: ARR_FOLDER })).code).toBe(3);
    expect((await run(agentA, PATH_EXISTS_PS, { path: inDir('Databases\\DBConfiguration.xml') })).code).toBe(
      0,
    );
    expect((await run(agentA, PATH_EXISTS_PS, { path: inDir('Database\\DBConfiguration.xml') })).code).toBe(
      3,
    );
    expect((await run(agentA, PATH_EXISTS_PS, { path: 'D:\\nothing' })).code).toBe(3);

    expect(await run(agentA, LIST_FOLDERS_PS, { path: inDir('Elements') })).toMatchObject({
      code: 0,
      stdout: 'Router 1\r\nSwitch 2\r\n',
    });
    expect(await run(agentB, LIST_FOLDERS_PS, { path: inDir('Elements') })).toMatchObject({
      code: 0,
      stdout: '',
    });
    expect((await run(agentB, LIST_FOLDERS_PS, { path: inDir('Nothing') })).code).toBe(3);
    expect((await run(agentB, LIST_FOLDERS_PS, { path: inDir('DMS.xml') })).code).toBe(3);

    const history = (await agentA.readFile(inDir(DATAMINER_FILES.versionHistory)))!;
    expect(history).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;10\.4\.0\.0-14017-20240215-release\r\n/);
    expect(parseVersionHistory(history)).toBe(VERSION);
    expect(await agentA.readFile(inDir('Databases\\DBConfiguration.xml'))).toBe(DB_CONFIGURATION);
  });

  it('services: status words, the Cassandra service and nodetool.bat of the Cassandra emulator', async () => {
    expect(await run(agentA, SERVICE_STATUS_PS, { name: DATAMINER_SERVICE_NAME })).toMatchObject({
      code: 0,
      stdout: 'Running\r\n',
    });
    expect((await run(agentA, SERVICE_STATUS_PS, { name: 'sldataminer' })).stdout).toBe('Running\r\n');
    expect(await run(agentA, SERVICE_STATUS_PS, { name: 'NoSuchService' })).toMatchObject({
      code: 3,
      stdout: '',
    });

    expect(await run(agentA, SERVICE_STATE_PS, { service: 'cassandra' })).toMatchObject({
      code: 0,
      stdout: 'cassandra: Running\r\n',
    });
    expect(await run(agentB, SERVICE_STATE_PS, { service: 'cassandra' })).toMatchObject({
      code: 4,
      stdout: 'no service named cassandra\r\n',
    });
    expect(await run(agentA, SERVICE_STATE_PS, { service: DATAMINER_SERVICE_NAME })).toMatchObject({
      code: 0,
      stdout: 'SLDataMiner: Running\r\n',
    });

    const version = await run(agentA, NODETOOL_PS, { nodetool: CASSANDRA_NODETOOL, command: 'version' });
    // Out-String ends the text with the platform's line break, then the line itself ends.
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(
      new RegExp(`^ReleaseVersion: ${CASSANDRA_RELEASE.replace(/\./g, '\\.')}\r?\n\r\n$`),
    );
    const status = await run(agentA, NODETOOL_PS, { nodetool: CASSANDRA_NODETOOL, command: 'status' });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^UN {2}198\.18\.0\.11 /m);
    const unknown = await run(agentA, NODETOOL_PS, { nodetool: CASSANDRA_NODETOOL, command: 'frobnicate' });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('nodetool: Found unexpected parameters: [frobnicate]');
    const elsewhere = await run(agentB, NODETOOL_PS, { nodetool: CASSANDRA_NODETOOL, command: 'version' });
    expect(elsewhere).toMatchObject({ code: 1, stdout: '\r\n' });
    expect(elsewhere.stderr).toContain(`& : The term '${CASSANDRA_NODETOOL}' is not recognized`);

    // FullName is the filesystem's own path: C:\... on Windows, /mnt/c/... in the lab.
    expect(await run(agentA, FIRST_DATA_FILE_PS, { directory: CASSANDRA_DATA_DIR })).toMatchObject({
      code: 0,
      stdout: `${windowsToHostPath(CASSANDRA_DATA_DIR)}/data/system/cluster_name\r\n`,
    });
    expect(await run(agentB, FIRST_DATA_FILE_PS, { directory: CASSANDRA_DATA_DIR })).toMatchObject({
      code: 0,
      stdout: '',
    });
    expect((await agentA.readFile(`${CASSANDRA_DIR}\\conf\\cassandra.yaml`))!).toContain(
      "cluster_name: 'Lab Cluster'",
    );
  });

  it("adapters, names, neighbours and ports in the host's own network", async () => {
    const mac = runOnHost(a.name, 'cat /sys/class/net/eth0/address')
      .stdout.trim()
      .toUpperCase()
      .replace(/:/g, '-');
    expect(parseAdapters((await run(agentA, LIST_ADAPTER_ADDRESSES_PS)).stdout)).toEqual([
      { name: 'Ethernet', mac, physical: true, addresses: [a.address] },
    ]);
    addHostAddress(a.name, '198.18.0.50');
    // A virtual adapter (as Hyper-V's or a VPN's) is listed, and not physical.
    const virtual = runOnHost(
      a.name,
      'ip link add vethernet0 type veth peer name vethernet1 && ip address add 172.20.0.1/24 dev vethernet0 && ip link set vethernet0 up && ip link set vethernet1 up',
    );
    expect(virtual).toMatchObject({ code: 0 });
    try {
      const listing = await run(agentA, LIST_ADAPTER_ADDRESSES_PS);
      expect(listing.code).toBe(0);
      expect(listing.stdout.split('\r\n').slice(0, 2)).toEqual([
        `Ethernet\t${mac}\tTrue\t${a.address}`,
        `Ethernet\t${mac}\tTrue\t198.18.0.50`,
      ]);
      const listed = parseAdapters(listing.stdout);
      expect(listed.map((x) => [x.name, x.physical])).toEqual([
        ['Ethernet', true],
        ['vethernet0', false],
      ]);
    } finally {
      runOnHost(a.name, 'ip link delete vethernet0');
      removeHostAddress(a.name, '198.18.0.50');
    }

    await setLabDnsRecord('dms.lab.test', [a.address, b.address]);
    try {
      const resolved = await run(agentA, RESOLVE_NAME_PS, { name: 'dms.lab.test' });
      expect(resolved.code).toBe(0);
      expect(lines(resolved.stdout).sort()).toEqual([a.address, b.address]);
    } finally {
      await removeLabDnsRecord('dms.lab.test');
    }
    // The reverse lookup a shared-hostname pair needs: the host's resolver, as Windows' is.
    expect((await run(agentA, REVERSE_LOOKUP_PS, { address: b.address })).stdout).toMatch(/^lab-b\b/);
    expect((await run(agentA, REVERSE_LOOKUP_PS, { address: '198.18.0.254' })).code).toBe(3);
    expect(await run(agentA, RESOLVE_NAME_PS, { name: 'lab-b' })).toMatchObject({
      code: 0,
      stdout: `${b.address}\r\n`,
    });
    expect((await run(agentA, RESOLVE_NAME_PS, { name: 'nothing.lab.test' })).code).toBe(3);

    addHostAddress(b.name, '198.18.0.60');
    try {
      expect(await run(agentA, ANSWERS_AT_PS, { address: '198.18.0.60' })).toMatchObject({
        code: 0,
        stdout: 'icmp\r\n',
      });
      blockTraffic({ from: a.name, to: b.name, protocol: 'icmp' });
      try {
        expect(await run(agentA, ANSWERS_AT_PS, { address: '198.18.0.60' })).toMatchObject({
          code: 0,
          stdout: 'arp 02-CF-18-00-0C-01\r\n',
        });
      } finally {
        unblockTraffic({ from: a.name, to: b.name, protocol: 'icmp' });
      }
    } finally {
      removeHostAddress(b.name, '198.18.0.60');
    }
    expect(await run(agentA, ANSWERS_AT_PS, { address: '198.18.0.61' })).toMatchObject({
      code: 0,
      stdout: 'none\r\n',
    });

    const check = (to: string, port: number) =>
      run(agentA, PORT_CHECK_PS, { address: to, port: String(port), timeoutMs: '3000' });
    expect(await check(b.address, DATAMINER_PORTS.remoting)).toMatchObject({ code: 0, stdout: '' });
    const refused = await check(b.address, 7000);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      new RegExp(
        `^cannot connect to ${b.address.replace(/\./g, '\\.')}:7000 - One or more errors occurred\\.`,
      ),
    );
    blockTraffic({ from: a.name, to: b.name, protocol: 'tcp', port: DATAMINER_PORTS.nats });
    try {
      const started = Date.now();
      expect(await check(b.address, DATAMINER_PORTS.nats)).toMatchObject({
        code: 124,
        stdout: `no answer from ${b.address}:4222 within 3000 ms\r\n`,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    } finally {
      unblockTraffic({ from: a.name, to: b.name, protocol: 'tcp', port: DATAMINER_PORTS.nats });
    }
    expect((await check(b.address, DATAMINER_PORTS.nats)).code).toBe(0);
  });

  it('runs only the programs the host has; anything else is not recognized', async () => {
    const other = await run(agentB, RUN_PROGRAM_PS, {
      program: 'C:\\Windows\\System32\\notepad.exe',
      arguments: '',
    });
    expect(other).toMatchObject({ code: 1, stdout: '\r\n' });
    expect(other.stderr).toContain("& : The term 'C:\\Windows\\System32\\notepad.exe' is not recognized");
    const wrongArguments = await run(agentB, RUN_PROGRAM_PS, {
      program: inDir(SLKILL_PROGRAM),
      arguments: '-x\nSL',
    });
    expect(wrongArguments.code).toBe(1);
    expect(wrongArguments.stdout).toContain('only "-f SL" is emulated');
    expect(dataMinerState(b)).toMatchObject({ running: true, stops: 0 });
  });
});

describe('the SLDataMiner service', () => {
  it('listens on its ports: TLS on 443 with the chosen names when HTTPS is on, HTTP on 80 otherwise', async () => {
    const { remoting, nats, natsCluster, natsAccountServer, https, http } = DATAMINER_PORTS;
    for (const port of [remoting, nats, natsCluster, natsAccountServer, https, 7000, 9042])
      expect([port, listens(a, port)]).toEqual([port, true]);
    expect(listens(a, http)).toBe(false);
    for (const port of [remoting, nats, natsCluster, natsAccountServer, http])
      expect([port, listens(b, port)]).toEqual([port, true]);
    expect(listens(b, https)).toBe(false);

    const cert = await tlsPeer(await tunnelTo(agentA, a.address, https), 'dma.lab.test');
    expect(cert.subjectaltname).toBe('DNS:dma.lab.test, IP Address:198.18.0.50');
    expect(cert.subject.CN).toBe('dma.lab.test');
    expect(await httpGet(await tunnelTo(agentB, b.address, http))).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*DataMiner Agent lab-b/,
    );
    const greeting = await new Promise<string>((resolve, reject) => {
      void tunnelTo(agentB, b.address, nats).then((s) => {
        s.once('data', (d: Buffer) => {
          resolve(d.toString('utf8'));
          s.destroy();
        });
        s.once('error', reject);
      }, reject);
    });
    expect(greeting).toMatch(/^INFO \{.*"port":4222.*\}\r\n$/);

    expect(dataMinerState(a)).toMatchObject({
      running: true,
      status: 'Running',
      id: 7,
      starts: 1,
      https: { enabled: true, name: 'dma.lab.test' },
    });
    expect(dataMinerState(b)).toMatchObject({ https: { enabled: false, name: 'lab-b' } });
  });

  it('SLTaskbarUtility -stop stops it; -start starts it again, reading the DataMiner ID written meanwhile', async () => {
    const before = snapshotAgentFiles(b);
    expect(dataMinerState(b)).toMatchObject({ running: true, starts: 1, stops: 0, id: 12 });
    expect(await run(agentB, PROCESS_STATE_PS, { name: DATAMINER_PROCESS })).toMatchObject({
      stdout: 'Running\r\n',
    });
    const stop = await run(agentB, RUN_AND_WAIT_PS, { program: TASKBAR_UTILITY, argument: '-stop' });
    expect(stop).toMatchObject({ code: 0, stderr: '' });
    expect(await run(agentB, PROCESS_STATE_PS, { name: DATAMINER_PROCESS })).toMatchObject({
      stdout: 'Stopped\r\n',
    });
    const wrong = await run(agentB, RUN_AND_WAIT_PS, { program: TASKBAR_UTILITY, argument: '-restart' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('only -stop and -start are emulated');
    const missing = await run(agentB, RUN_AND_WAIT_PS, {
      program: 'C:\\nowhere\\SLTaskbarUtility.exe',
      argument: '-stop',
    });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('cannot start C:\\nowhere\\SLTaskbarUtility.exe');
    expect(dataMinerState(b)).toMatchObject({ running: false, status: 'Stopped', stops: 1 });
    expect(listens(b, DATAMINER_PORTS.remoting)).toBe(false);

    // The backup's preparation: the primary's ID (7, as lab-a runs) while DataMiner is stopped.
    const dataMinerXml = (await agentB.readFile(inDir('DataMiner.xml')))!;
    await agentB.writeFile(inDir('DataMiner.xml'), dataMinerXml.replace('id="12"', 'id="7"'));
    const start = await run(agentB, RUN_AND_WAIT_PS, { program: TASKBAR_UTILITY, argument: '-start' });
    expect(start).toMatchObject({ code: 0, stderr: '' });
    expect(await run(agentB, AWAIT_PROCESS_PS, { name: DATAMINER_PROCESS, seconds: '30' })).toMatchObject({
      code: 0,
    });
    expect(dataMinerState(b)).toMatchObject({ running: true, status: 'Running', starts: 2, stops: 1, id: 7 });
    expect(dataMinerState(a)).toMatchObject({ running: true, id: 7 });
    expect(listens(b, DATAMINER_PORTS.remoting)).toBe(true);
    // Starting a running service changes nothing.
    expect((await run(agentB, START_SERVICE_PS, { name: DATAMINER_SERVICE_NAME, seconds: '30' })).code).toBe(
      0,
    );
    expect(dataMinerState(b).starts).toBe(2);

    const after = snapshotAgentFiles(b);
    const changed = Object.keys({ ...before, ...after }).filter((f) => before[f] !== after[f]);
    expect(changed.map((f) => f.replace(/\d{8}T\d{9}Z$/, '*'))).toEqual([
      'DataMiner.xml',
      'DataMiner.xml.cdktf-failover-backup-*',
    ]);
  });

  it('reads DB.xml at start and encrypts a plain-text password in it, once', async () => {
    await run(agentB, RUN_PROGRAM_PS, { program: inDir(SLKILL_PROGRAM), arguments: '-f\nSL' });
    const plain = perAgentDbXml('s3cret & more');
    await agentB.writeFile(inDir('DB.xml'), plain);
    expect((await run(agentB, START_SERVICE_PS, { name: DATAMINER_SERVICE_NAME, seconds: '30' })).code).toBe(
      0,
    );
    const state = dataMinerState(b);
    expect(state).toMatchObject({ dbXml: plain, dbPasswordsEncrypted: true });
    const encrypted = readAgentFile(b, 'DB.xml')!;
    expect(encrypted).toMatch(/<PWD>lab-encrypted:[A-Za-z0-9+/=]+<\/PWD>/);
    expect(encrypted.replace(/<PWD>.*<\/PWD>/, '')).toBe(plain.replace(/<PWD>.*<\/PWD>/, ''));

    const snapshot = snapshotAgentFiles(b);
    await run(agentB, RUN_PROGRAM_PS, { program: inDir(SLKILL_PROGRAM), arguments: '-f\nSL' });
    expect((await run(agentB, START_SERVICE_PS, { name: DATAMINER_SERVICE_NAME, seconds: '30' })).code).toBe(
      0,
    );
    expect(dataMinerState(b)).toMatchObject({ dbXml: encrypted, dbPasswordsEncrypted: false });
    expect(snapshotAgentFiles(b)).toEqual(snapshot);
  });

  it('a slow start waits while StartPending; a failed start is an error of Start-Service', async () => {
    await run(agentB, RUN_PROGRAM_PS, { program: inDir(SLKILL_PROGRAM), arguments: '-f\nSL' });
    setDataMinerStartDelay(b, 3);
    const slow = await run(agentB, START_SERVICE_PS, { name: DATAMINER_SERVICE_NAME, seconds: '30' });
    expect(slow.code).toBe(0);
    expect(slow.stderr).toContain("WARNING: Waiting for service 'SLDataMiner (SLDataMiner)' to start...");
    setDataMinerStartDelay(b, undefined);

    await run(agentB, RUN_PROGRAM_PS, { program: inDir(SLKILL_PROGRAM), arguments: '-f\nSL' });
    setDataMinerFailStart(b, 'the lab says no');
    const failed = await run(agentB, START_SERVICE_PS, { name: DATAMINER_SERVICE_NAME, seconds: '30' });
    expect(failed.code).toBe(1);
    // The error record as PowerShell prints it: the statement that failed and Start-Service's words.
    expect(failed.stderr).toContain(
      "Start-Service : Service 'SLDataMiner (SLDataMiner)' cannot be started due to the following error",
    );
    expect(failed.stderr).toMatch(/\r\n\+ Start-Service -Name \$name\r\n/);
    expect(dataMinerState(b)).toMatchObject({ running: false, lastFailure: { reason: 'the lab says no' } });
    setDataMinerFailStart(b, undefined);
    expect((await run(agentB, START_SERVICE_PS, { name: DATAMINER_SERVICE_NAME, seconds: '30' })).code).toBe(
      0,
    );
    await waitForDataMiner(b, 'Running');

    const missing = await run(agentB, START_SERVICE_PS, { name: 'NoSuchService', seconds: '5' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "Start-Service : Cannot find any service with service name 'NoSuchService'.",
    );
    addTroubledService(b, 'LabBroken', 'fails-to-start');
    expect((await run(agentB, START_SERVICE_PS, { name: 'LabBroken', seconds: '5' })).code).toBe(1);
  });
});

describe('a Windows command past its timeout', () => {
  it('is stopped with every process it started; the session goes on, and DataMiner runs on', async () => {
    addTroubledService(a, 'LabStuck', 'never-starts');
    const [impatient] = await connect(a, { commandTimeoutSeconds: 2 });
    const started = Date.now();
    await expect(
      impatient.batch([
        {
          command: { powershell: START_SERVICE_PS, vars: { name: 'LabStuck', seconds: '60' } },
          what: 'starting LabStuck',
        },
      ]),
    ).rejects.toThrow(
      /starting LabStuck did not finish within 2 s; it was stopped, with every process it started/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    const [sleeping] = await impatient
      .batch([{ command: { powershell: '& sleep 30; exit 0' }, what: 'a sleep' }])
      .catch((e: Error) => [e]);
    expect(String(sleeping)).toContain('a sleep did not finish within 2 s');
    expect(runOnHost(a.name, 'ps -eo args').stdout).not.toContain('sleep 30');
    expect(await impatient.run({ powershell: SERVICE_STATUS_PS, vars: { name: 'LabStuck' } })).toMatchObject({
      stdout: 'StartPending\r\n',
    });
    // DataMiner, started by the service manager and not by the command, runs on.
    expect(dataMinerState(a).running).toBe(true);
  });
});
