/**
 * The emulated DX NetOps fault-tolerant data aggregator surface on lab hosts, checked on its own:
 * the InstallAnywhere installers, the DA pair competing for the lock in an emulated NFS share, the
 * Consul server on the proxy fed by real UDP gossip, the data collectors, the data repository and
 * vsql. The constructs' own lab tests build on exactly these behaviours.
 * Hosts: lab-a proxy, lab-b and lab-c DAs, lab-d and lab-e DCs, lab-f NFS server, lab-g repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installNfsClientEmulator, installNfsServerEmulator } from '../lab/emulators/nfs/install';
import {
  activeMqState,
  consulCriticalChecks,
  consulLeader,
  consulMembers,
  consulPeers,
  consulServices,
  DA_ACTIVE_LOCK,
  DA_CONSUL_SERVICE,
  DA_READY_LINE,
  dadaemon,
  daDaemonState,
  daStatus,
  daStatusFormat,
  dcmdState,
  DEFAULT_INSTALL_DIR,
  failInstallMidway,
  forceDaStatus,
  installCount,
  installedComponent,
  installNetOpsEmulators,
  installNetOpsInstaller,
  installRuns,
  karafLog,
  keepActiveMqAfterMaintenance,
  NetOpsComponent,
  runInstaller,
  shellQuote,
  startDataRepository,
  stopDataRepository,
  timesBecameActive,
  unplannedFailovers,
  waitFor,
  writeResponseFile,
} from '../lab/emulators/netops/setup';
import { DA_STATUS_FORMATS, daStatusAnswer } from '../lab/emulators/netops/status-variants';
import {
  blockBetween,
  hostPath,
  LabHost,
  LabInventory,
  listeningSockets,
  resetHost,
  runOnHost,
  startLab,
  unblockTraffic,
} from '../lab/lab';

jest.setTimeout(180_000);

const NAMES = ['lab-a', 'lab-b', 'lab-c', 'lab-d', 'lab-e', 'lab-f', 'lab-g'];
const SHARED = '/DASharedRepo';
const EXPORT = '/srv/da-shared';
const PROXY_DIR = '/opt/NetOpsProxy';
const DA_DIR = DEFAULT_INSTALL_DIR.aggregator;
const DC_DIR = DEFAULT_INSTALL_DIR.collector;
const VERSION = '24.3.1';
const DB_USER = 'dradmin';
const DB_PASSWORD = 's3cr=t:pa ss!';
const INSTALLER: Record<NetOpsComponent, string> = {
  proxy: '/opt/installers/installProxy.bin',
  aggregator: '/opt/installers/installDA.bin',
  collector: '/opt/installers/installDC.bin',
  portal: '/opt/installers/installPC.bin',
};

let lab: LabInventory;
let proxy: LabHost;
let da1: LabHost;
let da2: LabHost;
let dc1: LabHost;
let dc2: LabHost;
let nfs: LabHost;
let db: LabHost;

const host = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;
const ok = (h: LabHost, command: string): string => {
  const r = runOnHost(h.name, command);
  if (r.code !== 0) throw new Error(`${h.name}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
};
const listens = (h: LabHost, protocol: 'tcp' | 'udp', port: number): boolean =>
  listeningSockets(h.name).some((s) => s.protocol === protocol && s.port === port);
const memberStatus = (view: LabHost): Record<string, number> =>
  Object.fromEntries(consulMembers(view).map((m) => [m.Name, m.Status]));
/**
 * The ports of `to` that `h` holds established TCP connections to, as the host's kernel lists them
 * (`ss -tn`): what a real collector host would show, not the emulator's own report.
 */
const establishedPorts = (h: LabHost, to: LabHost): number[] =>
  ok(h, 'ss -tn state established')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[3] ?? '')
    .filter((peer) => peer.replace(/^\[(::ffff:)?|\]/g, '').startsWith(`${to.address}:`))
    .map((peer) => Number(peer.slice(peer.lastIndexOf(':') + 1)))
    .sort((a, b) => a - b);

/**
 * The DA response file in the syntax an operator might write by hand: comments of both kinds, all
 * three separators, a continuation line, and a password with escaped separators and a \u escape.
 */
const DA_RESPONSE = [
  '# Data Aggregator, fault tolerant',
  '! written for the lab',
  `USER_INSTALL_DIR=${DA_DIR}`,
  `LAB_SHARED_DIR : ${SHARED}`,
  'LAB_PROXY_HOST   lab-a',
  'LAB_DB_HOST = \\',
  '    lab-g',
  'LAB_DB_PORT=5433',
  `LAB_DB_USER=${DB_USER}`,
  'LAB_DB_PASSWORD=s3cr\\=t\\:pa ss\\u0021',
  '',
].join('\n');

function exportShare(): void {
  installNfsServerEmulator(nfs.name);
  const clients = [da1, da2].map((h) => `${h.address}(rw,sync,no_subtree_check,no_root_squash)`).join(' ');
  ok(
    nfs,
    `mkdir -p ${EXPORT} /etc/exports.d && echo '${EXPORT} ${clients}' > /etc/exports.d/da.exports && exportfs -ra`,
  );
  for (const client of [da1, da2]) {
    installNfsClientEmulator(client.name);
    ok(
      client,
      `mkdir -p ${SHARED} && mount -t nfs4 -o vers=4.1,hard,proto=tcp ${nfs.address}:${EXPORT} ${SHARED}`,
    );
  }
}

function install(
  h: LabHost,
  component: NetOpsComponent,
  response: Record<string, string> | string,
  version = VERSION,
) {
  installNetOpsInstaller(h, { path: INSTALLER[component], component, version });
  writeResponseFile(h, `/root/${component}.properties`, response);
  return runInstaller(h, INSTALLER[component], `/root/${component}.properties`);
}

function installOk(
  h: LabHost,
  component: NetOpsComponent,
  response: Record<string, string> | string,
): string {
  const r = install(h, component, response);
  if (r.code !== 0)
    throw new Error(`${h.name}: ${component} install exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

const installProxy = () => installOk(proxy, 'proxy', { USER_INSTALL_DIR: PROXY_DIR });
const installDa = (h: LabHost) => installOk(h, 'aggregator', DA_RESPONSE);
const installDc = (h: LabHost) =>
  installOk(h, 'collector', {
    USER_INSTALL_DIR: DC_DIR,
    LAB_DA_HOST: 'lab-b',
    LAB_FAILOVER_DA_HOST: 'lab-c',
  });

/** A knob file of the emulator on the host (README: knobs), set or removed. */
function knob(h: LabHost, name: string, on: boolean): void {
  const file = hostPath(h.name, `/var/lib/netops-lab/knobs/${name}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (on) fs.writeFileSync(file, '');
  else fs.rmSync(file, { force: true });
}

/** The processes of the host that name a Karaf home on their command line: its DA process, if any. */
function karafProcesses(h: LabHost): { pid: number; argv: string[] }[] {
  const listed = ok(
    h,
    'for p in /proc/[0-9]*; do printf "%s " "${p#/proc/}"; tr "\\0" "\\t" < "$p/cmdline" 2>/dev/null; echo; done',
  );
  return listed
    .split('\n')
    .map((line) => {
      const at = line.indexOf(' ');
      return {
        pid: Number(line.slice(0, at)),
        argv: line
          .slice(at + 1)
          .split('\t')
          .filter(Boolean),
      };
    })
    .filter((p) => p.argv.some((a) => a.startsWith('-Dkaraf.home=')));
}

/** When a process of the host started, in epoch ms (from /proc, as the kernel counts it). */
function processStartMs(h: LabHost, pid: number): number {
  const stat = fs.readFileSync(hostPath(h.name, `/proc/${pid}/stat`), 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19]);
  const boot = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))![1]);
  const hz = Number(ok(h, 'getconf CLK_TCK').trim());
  return (boot + ticks / hz) * 1000;
}

/** The readiness lines of every karaf.log file of the DA, with their times (the host's local time, in ISO 8601). */
function readinessLines(h: LabHost): { file: string; atMs: number }[] {
  const dir = hostPath(h.name, `${DA_DIR}/apache-karaf-4.4.3/data/log`);
  const offset = ok(h, 'date +%z').trim();
  const sign = offset.startsWith('-') ? -1 : 1;
  const offsetMs = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5))) * 60_000;
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('karaf.log'))
    .flatMap((file) =>
      fs
        .readFileSync(path.join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => line.includes(DA_READY_LINE))
        .map((line) => ({ file, atMs: Date.parse(`${line.slice(0, 23).replace(',', '.')}Z`) - offsetMs })),
    );
}

async function expectHealthyCluster(): Promise<void> {
  await waitFor(
    'three alive Consul members, a leader and no critical checks',
    () =>
      Object.values(memberStatus(proxy)).filter((s) => s === 1).length === 3 &&
      consulLeader(proxy) !== '' &&
      consulCriticalChecks(proxy).length === 0,
  );
}

/** The whole site: share, repository, proxy, the DA pair (lab-b first, so it is Active), both DCs. */
async function deploySite(options: { collectors?: boolean } = {}): Promise<void> {
  exportShare();
  startDataRepository(db, { user: DB_USER, password: DB_PASSWORD });
  installProxy();
  installDa(da1);
  installDa(da2);
  if (options.collectors ?? true) [dc1, dc2].forEach(installDc);
  await expectHealthyCluster();
}

beforeAll(async () => {
  lab = await startLab();
  [proxy, da1, da2, dc1, dc2, nfs, db] = NAMES.map(host);
});

beforeEach(() => {
  NAMES.forEach(resetHost);
});

afterAll(() => {
  if (lab) NAMES.forEach(resetHost);
});

describe('DX NetOps emulators on lab hosts', () => {
  it('refuses an installer run with missing or empty required keys, names each one and installs nothing', () => {
    const r = install(da1, 'aggregator', {
      USER_INSTALL_DIR: DA_DIR,
      LAB_SHARED_DIR: SHARED,
      LAB_DB_HOST: 'lab-g',
      LAB_DB_PORT: '5433',
      LAB_DB_USER: DB_USER,
      LAB_DB_PASSWORD: '',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      'Installation failed: required property LAB_PROXY_HOST is missing',
      'Installation failed: required property LAB_DB_PASSWORD is empty',
    ]);
    expect(fs.existsSync(hostPath(da1.name, DA_DIR))).toBe(false);
    expect(installedComponent(da1, 'aggregator')).toBeUndefined();
    expect(listeningSockets(da1.name).filter((s) => s.port !== 22)).toEqual([]);
    expect(installRuns(da1)).toEqual([
      expect.objectContaining({ component: 'aggregator', version: VERSION, result: 'failed' }),
    ]);
    // Nothing answers as the product's services either.
    expect(runOnHost(da1.name, 'service dadaemon status').stderr).toContain('unrecognized service');

    // A collector's keys too, and anything but "-i silent -f FILE" is a usage error.
    const dc = install(dc1, 'collector', { USER_INSTALL_DIR: DC_DIR, LAB_DA_HOST: '  ' });
    expect(dc.code).not.toBe(0);
    expect(dc.stderr).toContain('required property LAB_DA_HOST is empty');
    expect(dc.stderr).toContain('required property LAB_FAILOVER_DA_HOST is missing');
    expect(fs.existsSync(hostPath(dc1.name, DC_DIR))).toBe(false);
    const usage = runOnHost(dc1.name, `${INSTALLER.collector} -i console`);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toBe(`Usage: ${INSTALLER.collector} -i silent -f <response file>\n`);
    expect(installCount(dc1, 'collector')).toBe(1);

    // The portal needs its directory only.
    expect(installOk(db, 'portal', { USER_INSTALL_DIR: DEFAULT_INSTALL_DIR.portal })).toContain(
      'Installation complete.',
    );
    expect(installedComponent(db, 'portal')).toMatchObject({ dir: '/opt/CA', version: VERSION });
  });

  it('fails a DA whose shared directory is read-only or missing, and Consul reports it critical', async () => {
    // The share exported read-only: mounted fine, but the DA cannot write its lock there.
    installNfsServerEmulator(nfs.name);
    ok(
      nfs,
      `mkdir -p ${EXPORT} /etc/exports.d && echo '${EXPORT} ${da1.address}(ro,sync)' > /etc/exports.d/da.exports && exportfs -ra`,
    );
    installNfsClientEmulator(da1.name);
    ok(da1, `mkdir -p ${SHARED} && mount -t nfs4 -o vers=4.1 ${nfs.address}:${EXPORT} ${SHARED}`);
    installProxy();
    installDa(da1);
    expect(daStatus(da1)).toBe('Failed');
    expect(daDaemonState(da1).reason).toBe(`the shared directory ${SHARED} is not writable`);
    expect(activeMqState(da1).running).toBe(false);
    expect(listens(da1, 'tcp', 8581)).toBe(false);
    const failedCheck = await waitFor('a critical DA check', () => consulCriticalChecks(proxy)[0]);
    expect(failedCheck).toMatchObject({
      Node: 'lab-b',
      Status: 'critical',
      ServiceName: DA_CONSUL_SERVICE,
      Output: `Data Aggregator status: Failed (the shared directory ${SHARED} is not writable)`,
    });
    expect(karafLog(da1)).not.toContain(DA_READY_LINE);

    // Unmounted and gone: still Failed, for another reason; a usable directory makes it Active.
    // The path goes in one rename: once unmounted it is a writable local folder, where the DA
    // (retrying every 0.5 s) would create its lock before an rmdir.
    ok(da1, `umount ${SHARED} && mv ${SHARED} ${SHARED}.gone && rm -rf ${SHARED}.gone`);
    await waitFor('missing share reported', () => daDaemonState(da1).reason?.includes('does not exist'));
    expect(daStatus(da1)).toBe('Failed');
    ok(da1, `mkdir ${SHARED}`);
    await waitFor('lab-b Active', () => daStatus(da1) === 'Active', { timeoutMs: 5_000 });
    await waitFor('no critical checks', () => consulCriticalChecks(proxy).length === 0);
  });

  it('installs the site: one Active and one Inactive DA, a Consul leader with three peers, collectors connected', async () => {
    exportShare();
    startDataRepository(db, { user: DB_USER, password: DB_PASSWORD });
    const outputs = [installProxy(), installDa(da1), installDa(da2), installDc(dc1), installDc(dc2)];
    for (const output of outputs) {
      expect(output).toContain('Installation complete.');
      expect(output).not.toContain('s3cr');
    }
    await expectHealthyCluster();

    expect([daStatus(da1), daStatus(da2)]).toEqual(['Active', 'Inactive']);
    expect(dadaemon(da1, 'status')).toMatchObject({ code: 0, stdout: 'Data Aggregator status: Active\n' });
    expect(karafLog(da1)).toContain(DA_READY_LINE);
    expect(karafLog(da2)).not.toContain(DA_READY_LINE);
    expect(fs.readFileSync(hostPath(nfs.name, `${EXPORT}/${DA_ACTIVE_LOCK}`), 'utf8')).toMatch(/^lab-b \d+ /);
    expect(activeMqState(da1)).toMatchObject({ running: true, kahadb: 'locked', sharedDir: SHARED });
    expect(activeMqState(da2).running).toBe(false);
    expect(runOnHost(da1.name, 'service activemq status')).toMatchObject({ code: 0 });
    expect(runOnHost(da2.name, 'service activemq status')).toMatchObject({
      code: 3,
      stdout: 'ActiveMQ not running\n',
    });

    // What each host listens on: Consul everywhere, the DA web services on the Active one only.
    for (const h of [proxy, da1, da2]) {
      for (const [protocol, port] of [
        ['tcp', 8300],
        ['tcp', 8301],
        ['udp', 8301],
        ['tcp', 8500],
      ] as const)
        expect([h.name, protocol, port, listens(h, protocol, port)]).toEqual([h.name, protocol, port, true]);
    }
    expect([listens(da1, 'tcp', 8581), listens(da2, 'tcp', 8581)]).toEqual([true, false]);

    expect(consulLeader(proxy)).toBe(`${proxy.address}:8300`);
    expect(consulPeers(proxy).sort()).toEqual([proxy, da1, da2].map((h) => `${h.address}:8300`));
    expect(consulMembers(proxy).map((m) => [m.Name, m.Addr, m.Port, m.Status])).toEqual([
      ['lab-a', proxy.address, 8301, 1],
      ['lab-b', da1.address, 8301, 1],
      ['lab-c', da2.address, 8301, 1],
    ]);
    expect(consulCriticalChecks(proxy)).toEqual([]);
    expect(Object.keys(consulServices(proxy)).sort()).toEqual(['consul', DA_CONSUL_SERVICE]);
    // A DA's own agent answers the same API with the server's view.
    expect(consulLeader(da2)).toBe(`${proxy.address}:8300`);

    for (const dc of [dc1, dc2]) {
      expect(dcmdState(dc)).toMatchObject({ running: true, state: 'connected', da: `${da1.address}:8581` });
      expect(ok(dc, 'service dcmd status')).toMatch(
        new RegExp(`^dcmd is running \\(pid \\d+\\), connected to Data Aggregator ${da1.address}:8581\\n$`),
      );
    }
    expect(daDaemonState(da1).collectors).toEqual([dc1.address, dc2.address]);

    // The answers are saved once, password included, readable by root only.
    expect(installedComponent(da1, 'aggregator')).toEqual({
      dir: DA_DIR,
      version: VERSION,
      answers: {
        USER_INSTALL_DIR: DA_DIR,
        LAB_SHARED_DIR: SHARED,
        LAB_PROXY_HOST: 'lab-a',
        LAB_DB_HOST: 'lab-g',
        LAB_DB_PORT: '5433',
        LAB_DB_USER: DB_USER,
        LAB_DB_PASSWORD: DB_PASSWORD,
      },
      answersMode: 0o600,
    });
    expect(fs.statSync(hostPath(da1.name, `${DA_DIR}/scripts/dadaemon`)).mode & 0o111).toBe(0o111);
    for (const [h, component] of [
      [proxy, 'proxy'],
      [da1, 'aggregator'],
      [da2, 'aggregator'],
      [dc1, 'collector'],
    ] as const)
      expect(installRuns(h)).toEqual([
        expect.objectContaining({
          component,
          version: VERSION,
          result: 'installed',
          responseFile: `/root/${component}.properties`,
        }),
      ]);
    expect(fs.readFileSync(hostPath(da1.name, '/var/lib/netops-lab/installs.log'), 'utf8')).not.toContain(
      's3cr',
    );
  });

  it('fails both DAs in Consul when UDP 8301 or TCP 8300 is blocked between the two DAs, and heals once unblocked', async () => {
    await deploySite({ collectors: false });
    const checkOutputs = () =>
      consulCriticalChecks(proxy)
        .map((c) => `${c.Node} ${c.CheckID} ${c.Output}`)
        .sort();
    for (const [protocol, port, problem] of [
      ['udp', 8301, 'no Serf LAN gossip with lab-c over UDP 8301'],
      ['tcp', 8300, 'server RPC to lab-c over TCP 8300 fails'],
      ['tcp', 8301, 'Serf LAN to lab-c over TCP 8301 fails'],
    ] as const) {
      blockBetween(da1.name, da2.name, protocol, port);
      const ownView = new RegExp(`^lab-b serfHealth Agent not live or unreachable: .*${problem}`);
      const peerView = /^lab-c serfHealth Agent not live or unreachable: .*lab-b/;
      // Either DA may see the broken link first; each check names it once both have.
      await waitFor(`both DAs failed with ${protocol} ${port} blocked between them`, () => {
        const s = memberStatus(proxy);
        const checks = checkOutputs();
        return (
          s['lab-b'] === 4 &&
          s['lab-c'] === 4 &&
          ownView.test(checks[0] ?? '') &&
          peerView.test(checks[1] ?? '')
        );
      });
      expect(memberStatus(proxy)['lab-a']).toBe(1);
      const checks = checkOutputs();
      expect(checks).toHaveLength(2);
      expect(checks[0]).toMatch(ownView);
      expect(checks[1]).toMatch(peerView);
      // Raft runs through the proxy, which both still reach.
      expect(consulLeader(proxy)).toBe(`${proxy.address}:8300`);
      for (const [from, to] of [
        [da1, da2],
        [da2, da1],
      ])
        unblockTraffic({ from: from.name, to: to.name, protocol, port });
      await expectHealthyCluster();
    }
  });

  it('connects each DC to the Active DA on its web services and ActiveMQ, as ss -tn shows there, and follows a failover', async () => {
    await deploySite();
    for (const dc of [dc1, dc2]) {
      await waitFor(
        `${dc.name} connected to lab-b on 8581 and 61616`,
        () => establishedPorts(dc, da1).join() === '8581,61616',
      );
      expect(establishedPorts(dc, da2)).toEqual([]);
    }
    expect(listens(da2, 'tcp', 61616)).toBe(false);

    expect(dadaemon(da1, 'maintenance').code).toBe(0);
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 5_000 });
    for (const dc of [dc1, dc2])
      await waitFor(
        `${dc.name} connected to lab-c on 8581 and 61616, none left to lab-b`,
        () => establishedPorts(dc, da2).join() === '8581,61616' && establishedPorts(dc, da1).length === 0,
      );
  });

  it('marks a DA failed in Consul when UDP 8301 is blocked between it and the proxy, and alive once unblocked', async () => {
    await deploySite({ collectors: false });
    const started = Date.now();
    blockBetween(proxy.name, da1.name, 'udp', 8301);
    await waitFor('lab-b failed', () => memberStatus(proxy)['lab-b'] === 4, { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(memberStatus(proxy)).toEqual({ 'lab-a': 1, 'lab-b': 4, 'lab-c': 1 });
    // Two of three servers still make a quorum.
    expect(consulLeader(proxy)).toBe(`${proxy.address}:8300`);
    expect(consulCriticalChecks(proxy)).toEqual([
      expect.objectContaining({ Node: 'lab-b', CheckID: 'serfHealth', Status: 'critical' }),
    ]);
    // The cut-off DA sees no leader; the DA role is untouched (the share still decides it).
    expect(consulLeader(da1)).toBe('');
    expect(daStatus(da1)).toBe('Active');

    // A one-way cut (only the proxy's answers dropped) is just as fatal, and without quorum there is no leader.
    blockBetween(proxy.name, da2.name, 'udp', 8301);
    unblockTraffic({ from: da2.name, to: proxy.name, protocol: 'udp', port: 8301 });
    await waitFor('no leader', () => consulLeader(proxy) === '', { timeoutMs: 10_000 });
    expect(memberStatus(proxy)).toEqual({ 'lab-a': 1, 'lab-b': 4, 'lab-c': 4 });

    for (const [from, to] of [
      [proxy, da1],
      [da1, proxy],
      [proxy, da2],
    ])
      unblockTraffic({ from: from.name, to: to.name, protocol: 'udp', port: 8301 });
    await waitFor('all alive again', () => Object.values(memberStatus(proxy)).every((s) => s === 1), {
      timeoutMs: 10_000,
    });
    await expectHealthyCluster();
  });

  it('hands the Active role over on maintenance, takes it back as Inactive on activate, and can be made to split', async () => {
    await deploySite();
    const maintenance = dadaemon(da1, 'maintenance');
    expect(maintenance).toMatchObject({ code: 0 });
    expect(maintenance.stdout).toContain('Data Aggregator status: Maintenance\n');
    expect(activeMqState(da1).running).toBe(false);
    expect(listens(da1, 'tcp', 8581)).toBe(false);
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 5_000 });
    expect(daStatus(da1)).toBe('Maintenance');
    expect(karafLog(da2)).toContain(DA_READY_LINE);
    expect(activeMqState(da2)).toMatchObject({ running: true, kahadb: 'locked' });
    // The collectors follow the Active DA; Consul shows a DA in maintenance as healthy.
    for (const dc of [dc1, dc2])
      await waitFor(`${dc.name} on lab-c`, () => dcmdState(dc).da === `${da2.address}:8581`);
    expect(consulCriticalChecks(proxy)).toEqual([]);

    const activate = dadaemon(da1, 'activate');
    expect(activate).toMatchObject({ code: 0 });
    expect(activate.stdout).toContain('Data Aggregator status: Inactive\n');
    expect([daStatus(da1), daStatus(da2)]).toEqual(['Inactive', 'Active']);

    // A stopped DA outside maintenance is Failed for the cluster.
    expect(dadaemon(da1, 'stop').code).toBe(0);
    expect(dadaemon(da1, 'status')).toMatchObject({ code: 3, stdout: 'Data Aggregator is not running\n' });
    await waitFor('lab-b critical', () => consulCriticalChecks(proxy).some((c) => c.Node === 'lab-b'));
    expect(consulCriticalChecks(proxy)).toEqual([
      expect.objectContaining({ Node: 'lab-b', ServiceName: DA_CONSUL_SERVICE, Status: 'critical' }),
    ]);
    expect(dadaemon(da1, 'start').code).toBe(0);
    expect(daStatus(da1)).toBe('Inactive');

    // Split brain: ActiveMQ survives maintenance, the new Active's broker waits for the KahaDB lock.
    keepActiveMqAfterMaintenance(da2, true);
    expect(dadaemon(da2, 'maintenance').code).toBe(0);
    await waitFor('lab-b Active', () => daStatus(da1) === 'Active', { timeoutMs: 5_000 });
    expect(runOnHost(da2.name, 'service activemq status').code).toBe(0);
    expect(activeMqState(da2)).toMatchObject({ running: true, kahadb: 'locked' });
    expect(activeMqState(da1)).toMatchObject({ running: true, kahadb: 'waiting' });
    forceDaStatus(da2, 'Active');
    expect([daStatus(da1), daStatus(da2)]).toEqual(['Active', 'Active']);
    forceDaStatus(da2, undefined);
    expect(daStatus(da2)).toBe('Maintenance');
    // Stopping the stray broker lets the Active DA's broker take the store.
    expect(ok(da2, 'service activemq stop')).toBe('Stopping ActiveMQ\n');
    await waitFor('lab-b broker on KahaDB', () => activeMqState(da1).kahadb === 'locked', {
      timeoutMs: 5_000,
    });
  });

  it('runs no DA process on the standby (no Karaf, no port, no broker), and starts one there on failover or when the Active one dies', async () => {
    await deploySite({ collectors: false });
    // The Active one: one DA process, its port, its broker. The standby: none of them, yet it answers Inactive.
    expect(karafProcesses(da1).map((p) => p.argv.find((a) => a.startsWith('-Dkaraf.home=')))).toEqual([
      `-Dkaraf.home=${DA_DIR}/apache-karaf-4.4.3`,
    ]);
    expect(daDaemonState(da1)).toMatchObject({ running: true, state: 'Active' });
    expect(karafProcesses(da2)).toEqual([]);
    expect(daDaemonState(da2)).toMatchObject({ running: false, state: 'Inactive' });
    expect([listens(da2, 'tcp', 8581), listens(da2, 'tcp', 61616), activeMqState(da2).running]).toEqual([
      false,
      false,
      false,
    ]);
    for (const format of DA_STATUS_FORMATS) {
      daStatusFormat(da2, format);
      const r = dadaemon(da2, 'status');
      expect([format, { stdout: r.stdout, code: r.code }]).toEqual([
        format,
        daStatusAnswer(format, 'Inactive'),
      ]);
    }
    daStatusFormat(da2, undefined);
    expect(consulCriticalChecks(proxy)).toEqual([]);

    // Failover by maintenance: the standby starts its DA process, the old Active runs none.
    expect(dadaemon(da1, 'maintenance').code).toBe(0);
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 5_000 });
    expect(karafProcesses(da2)).toHaveLength(1);
    expect(karafProcesses(da1)).toEqual([]);
    expect(listens(da2, 'tcp', 8581)).toBe(true);
    expect(dadaemon(da1, 'activate').stdout).toContain('Data Aggregator status: Inactive\n');
    expect(karafProcesses(da1)).toEqual([]);
    expect(daDaemonState(da1).running).toBe(false);

    // The Active one dies (no graceful stop): the standby takes over within about a second.
    const dying = karafProcesses(da2)[0].pid;
    ok(da2, `kill -KILL ${dying}`);
    await waitFor('lab-b Active after lab-c died', () => daStatus(da1) === 'Active', { timeoutMs: 5_000 });
    expect(karafProcesses(da1)).toHaveLength(1);
    expect(listens(da1, 'tcp', 8581)).toBe(true);
    expect(daStatus(da2)).toBe('not running');
    // Its broker outlived it: the new Active's broker waits for the KahaDB until it is stopped.
    expect(activeMqState(da1)).toMatchObject({ running: true, kahadb: 'waiting' });
    ok(da2, 'service activemq stop');
    await waitFor('lab-b broker on KahaDB', () => activeMqState(da1).kahadb === 'locked', {
      timeoutMs: 5_000,
    });
  });

  it("logs the readiness line after its DA process's start, and can leave it only in a rotated file, withhold it, or keep only an earlier start's", async () => {
    knob(da1, 'karaf-log-rotate-after-ready', true);
    await deploySite({ collectors: false });
    // This start's line, only in karaf.log.1, written after the DA process started.
    const first = karafProcesses(da1)[0].pid;
    const firstStart = processStartMs(da1, first);
    expect(karafLog(da1)).not.toContain(DA_READY_LINE);
    const rotated = readinessLines(da1);
    expect(rotated.map((l) => l.file)).toEqual(['karaf.log.1']);
    expect(rotated[0].atMs).toBeGreaterThanOrEqual(firstStart);

    // Never ready: the standby takes over with the line withheld, and has none in any file.
    knob(da2, 'da-readiness-withheld', true);
    expect(dadaemon(da1, 'maintenance').code).toBe(0);
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 5_000 });
    expect(readinessLines(da2)).toEqual([]);
    expect(dadaemon(da1, 'activate').code).toBe(0);

    // Back to lab-b with its line withheld: only the earlier start's line is there, older than this start.
    knob(da1, 'da-readiness-withheld', true);
    expect(dadaemon(da2, 'maintenance').code).toBe(0);
    await waitFor('lab-b Active again', () => daStatus(da1) === 'Active', { timeoutMs: 5_000 });
    const second = karafProcesses(da1)[0].pid;
    expect(second).not.toBe(first);
    const secondStart = processStartMs(da1, second);
    expect(secondStart).toBeGreaterThan(firstStart);
    const lines = readinessLines(da1);
    expect(lines).toHaveLength(1);
    expect(lines[0].atMs).toBeLessThan(secondStart);
  });

  it('words dadaemon status in each format the reference leaves open, whatever the state', async () => {
    await deploySite({ collectors: false });
    const status = (h: LabHost) => {
      const r = dadaemon(h, 'status');
      return { stdout: r.stdout, code: r.code };
    };
    const expectEach = (h: LabHost, state: string | undefined) => {
      for (const format of DA_STATUS_FORMATS) {
        daStatusFormat(h, format);
        expect([format, status(h)]).toEqual([format, daStatusAnswer(format, state, daDaemonState(h).pid)]);
      }
      daStatusFormat(h, undefined);
    };
    expectEach(da1, 'Active');
    expectEach(da2, 'Inactive');
    // The verbs that end with the status use the host's format too.
    daStatusFormat(da1, 'systemd');
    expect(dadaemon(da1, 'maintenance')).toMatchObject({
      code: 0,
      stdout: daStatusAnswer('systemd', 'Maintenance').stdout,
    });
    daStatusFormat(da1, undefined);
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 5_000 });
    expectEach(da1, 'Maintenance');
    expectEach(da2, 'Active');
    expect(dadaemon(da1, 'activate').code).toBe(0);
    expect(dadaemon(da1, 'stop').code).toBe(0);
    expectEach(da1, undefined);
    // Unset, the default line again.
    expect(status(da2)).toEqual({ stdout: 'Data Aggregator status: Active\n', code: 0 });
  });

  it('leaves a DC started before its DAs hung through a restart, until dcmd is stopped, then started (KB 233704)', async () => {
    installProxy();
    installDc(dc1);
    expect(dcmdState(dc1)).toMatchObject({ running: true, state: 'hung', da: null });
    expect(ok(dc1, 'service dcmd status')).toMatch(
      /^dcmd is running \(pid \d+\), not connected to a Data Aggregator\n$/,
    );

    exportShare();
    installDa(da1);
    installDa(da2);
    await expectHealthyCluster();
    // The DAs are up and answering, the collector still waits for nothing.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(listens(da1, 'tcp', 8581)).toBe(true);
    expect(dcmdState(dc1)).toMatchObject({ running: true, state: 'hung' });
    // Its service still says it runs (exit 0): only its connections tell.
    expect(runOnHost(dc1.name, 'service dcmd status').code).toBe(0);
    expect(establishedPorts(dc1, da1)).toEqual([]);

    // A restart leaves its ICMP process running, and the collector hung.
    expect(ok(dc1, 'service dcmd restart')).toContain('Starting dcmd');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(dcmdState(dc1)).toMatchObject({ running: true, state: 'hung', da: null });
    expect(establishedPorts(dc1, da1)).toEqual([]);

    expect(ok(dc1, 'service dcmd stop; service dcmd start')).toBe('Stopping dcmd...\nStarting dcmd...\n');
    expect(dcmdState(dc1)).toMatchObject({ running: true, state: 'connected', da: `${da1.address}:8581` });
    await waitFor(
      'lab-d connected to lab-b on 8581 and 61616',
      () => establishedPorts(dc1, da1).join() === '8581,61616',
    );
    expect(ok(dc1, 'service dcmd stop; service dcmd status; echo "exit $?"')).toBe(
      'Stopping dcmd...\ndcmd is not running\nexit 3\n',
    );

    // Its primary DA not Active: the collector takes the failover one.
    expect(dadaemon(da1, 'maintenance').code).toBe(0);
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 5_000 });
    ok(dc1, 'service dcmd start');
    expect(dcmdState(dc1)).toMatchObject({ state: 'connected', da: `${da2.address}:8581` });
  });

  it('vsql accepts the right credentials, refuses wrong ones, and fails when the repository is down', () => {
    installNetOpsEmulators(da1);
    startDataRepository(db, { user: DB_USER, password: DB_PASSWORD });
    const vsql = (password: string, user = DB_USER, port = 5433) =>
      runOnHost(
        da1.name,
        `VSQL_PASSWORD=${shellQuote(password)} vsql -h lab-g -p ${port} -U ${shellQuote(user)} -c 'SELECT 1;'`,
      );

    expect(vsql(DB_PASSWORD)).toEqual({
      code: 0,
      stdout: ' ?column? \n----------\n        1\n(1 row)\n\n',
      stderr: '',
    });
    for (const refused of [vsql('wrong'), vsql(DB_PASSWORD, 'dbadmin'), vsql('')]) {
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toBe('vsql: FATAL: Invalid username or password\n');
      expect(refused.stdout).toBe('');
    }

    stopDataRepository(db);
    const down = vsql(DB_PASSWORD);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain(`could not connect to server lab-g:5433: Connection refused`);

    // Another port, configured at start.
    startDataRepository(db, { port: 15433, user: DB_USER, password: DB_PASSWORD });
    expect(vsql(DB_PASSWORD, DB_USER, 15433).code).toBe(0);
    expect(vsql(DB_PASSWORD).stderr).toContain('lab-g:5433');
  });

  it('upgrades without the fault-tolerance keys, keeping the saved answers and ignoring new ones', async () => {
    await deploySite();
    const before = installedComponent(da2, 'aggregator')!;
    const upgrade = '24.3.2';
    installNetOpsInstaller(da2, {
      path: '/opt/installers/installDA-upgrade.bin',
      component: 'aggregator',
      version: upgrade,
    });
    writeResponseFile(da2, '/root/upgrade.properties', { USER_INSTALL_DIR: DA_DIR });
    const r = runInstaller(da2, '/opt/installers/installDA-upgrade.bin', '/root/upgrade.properties');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('the saved fault-tolerance settings are kept');
    expect(installedComponent(da2, 'aggregator')).toEqual({ ...before, version: upgrade });
    expect(installRuns(da2, 'aggregator').map((run) => [run.version, run.result])).toEqual([
      [VERSION, 'installed'],
      [upgrade, 'upgraded'],
    ]);
    expect(installCount(da2)).toBe(2);
    expect(daStatus(da2)).toBe('Inactive');
    expect(daStatus(da1)).toBe('Active');
    await expectHealthyCluster();

    // Keys given on an upgrade are not asked, so not taken either.
    installNetOpsInstaller(dc1, { path: INSTALLER.collector, component: 'collector', version: upgrade });
    writeResponseFile(dc1, '/root/upgrade.properties', {
      USER_INSTALL_DIR: DC_DIR,
      LAB_DA_HOST: 'lab-c',
      LAB_FAILOVER_DA_HOST: '',
    });
    expect(runInstaller(dc1, INSTALLER.collector, '/root/upgrade.properties').code).toBe(0);
    expect(installedComponent(dc1, 'collector')!.answers).toEqual({
      USER_INSTALL_DIR: DC_DIR,
      LAB_DA_HOST: 'lab-b',
      LAB_FAILOVER_DA_HOST: 'lab-c',
    });
    expect(dcmdState(dc1)).toMatchObject({ state: 'connected', da: `${da1.address}:8581` });
    expect(installCount(dc1, 'collector')).toBe(2);
  });

  it('an installer run over the running Active DA stops it: the other takes over, counted as an unplanned failover', async () => {
    await deploySite({ collectors: false });
    const before = timesBecameActive(da2);
    installNetOpsInstaller(da1, {
      path: '/opt/installers/installDA-next.bin',
      component: 'aggregator',
      version: '24.4.0',
    });
    writeResponseFile(da1, '/root/upgrade.properties', { USER_INSTALL_DIR: DA_DIR });
    const r = runInstaller(da1, '/opt/installers/installDA-next.bin', '/root/upgrade.properties');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('Stopped the Active Data Aggregator: the other one takes over.');
    expect(unplannedFailovers(da1)).toEqual([
      expect.objectContaining({
        dir: DA_DIR,
        version: '24.4.0',
        reason: 'the installer stopped the Active Data Aggregator',
      }),
    ]);
    expect(installRuns(da1, 'aggregator').at(-1)).toMatchObject({
      result: 'upgraded',
      unplannedFailover: true,
    });
    // Started again afterwards, as the standby of the other, which took over.
    await waitFor('lab-c Active', () => daStatus(da2) === 'Active', { timeoutMs: 10_000 });
    expect(daStatus(da1)).toBe('Inactive');
    expect(timesBecameActive(da2)).toBe(before + 1);
    // The two DAs now run different versions, and say so.
    expect([
      installedComponent(da1, 'aggregator')!.version,
      installedComponent(da2, 'aggregator')!.version,
    ]).toEqual(['24.4.0', VERSION]);
    expect(ok(da1, `cat ${DA_DIR}/.lab/version`)).toBe('24.4.0\n');
  });

  it('an installer run over a DA in Maintenance leaves it in Maintenance, not running, and fails over nothing', async () => {
    await deploySite({ collectors: false });
    expect(dadaemon(da2, 'maintenance').code).toBe(0);
    installNetOpsInstaller(da2, {
      path: '/opt/installers/installDA-next.bin',
      component: 'aggregator',
      version: '24.4.0',
    });
    writeResponseFile(da2, '/root/upgrade.properties', { USER_INSTALL_DIR: DA_DIR });
    expect(runInstaller(da2, '/opt/installers/installDA-next.bin', '/root/upgrade.properties').code).toBe(0);
    expect(daStatus(da2)).toBe('Maintenance');
    expect(daDaemonState(da2).running).toBe(false);
    expect(daStatus(da1)).toBe('Active');
    expect(unplannedFailovers(da2)).toEqual([]);
    expect(dadaemon(da2, 'activate').stdout).toContain('Data Aggregator status: Inactive');
  });

  it('stops an installer midway when told: files and version left, no answers, no service; a later run installs over it', () => {
    exportShare();
    failInstallMidway(da1, ['aggregator']);
    const r = install(da1, 'aggregator', DA_RESPONSE);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'Installation failed: the installation stopped midway (lab knob fail-install-midway)\n',
    );
    expect(fs.existsSync(hostPath(da1.name, `${DA_DIR}/scripts/dadaemon`))).toBe(true);
    expect(fs.existsSync(hostPath(da1.name, `${DA_DIR}/.lab/answers.json`))).toBe(false);
    expect(installedComponent(da1, 'aggregator')).toBeUndefined();
    expect(runOnHost(da1.name, `${DA_DIR}/scripts/dadaemon status`)).toMatchObject({
      code: 3,
      stdout: 'Data Aggregator is not running\n',
    });
    expect(installRuns(da1, 'aggregator').map((run) => run.result)).toEqual(['failed']);

    failInstallMidway(da1, []);
    // Over the half-done install the run is a first install again: it asks every key.
    expect(install(da1, 'aggregator', { USER_INSTALL_DIR: DA_DIR }).stderr).toContain(
      'Installation failed: required property LAB_SHARED_DIR is missing',
    );
    expect(installOk(da1, 'aggregator', DA_RESPONSE)).toContain('Installing');
    expect(installRuns(da1, 'aggregator').map((run) => run.result)).toEqual([
      'failed',
      'failed',
      'installed',
    ]);
  });
});
