/**
 * FaultTolerantAggregator end to end: real terraform, the bundled runner, lab hosts with the
 * emulated DX NetOps surface (InstallAnywhere installers, dadaemon sharing the active lock through
 * the NFS share, Consul on the proxy with membership from real UDP gossip, dcmd, a data
 * repository). lab-a proxy, lab-b/lab-c aggregators, lab-d/lab-e collectors, lab-f NFS, lab-g
 * data repository.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { FaultTolerantAggregatorProps } from '../../index';
import { SHARE_PROBE_PREFIX, STAGING_PREFIX } from '../../constructs/fault-tolerant-aggregator/commands';
import type { StepReport } from '../../src/runner/execute-step';
import {
  addNetOpsLab,
  labHost,
  NETOPS_LAB_DB,
  NETOPS_LAB_ROLES as R,
  netOpsLabProps,
  placeNetOpsInstallers,
  prepareNetOpsLab,
} from '../../examples/fault-tolerant-aggregator-lab';
import {
  dadaemon,
  daDaemonState,
  daStatus,
  daStatusFormat,
  dcmdState,
  failInstallMidway,
  forceDaStatus,
  installCount,
  installedComponent,
  installRuns,
  NetOpsComponent,
  stopDataRepository,
  timesBecameActive,
  unplannedFailovers,
  waitFor,
} from '../lab/emulators/netops/setup';
import { daStatusAnswer } from '../lab/emulators/netops/status-variants';
import {
  blockBetween,
  blockTraffic,
  hostPath,
  LabHost,
  LabInventory,
  resetHost,
  runOnHost,
  startLab,
  unblockTraffic,
} from '../lab/lab';
import { apply, init, stateResources, synthStack, timed } from '../support/terraform';
import { serveTls } from '../lab/tls';

jest.setTimeout(600_000);

let lab: LabInventory;
const env = { [NETOPS_LAB_DB.passwordEnv]: NETOPS_LAB_DB.password };
const ALL = [R.proxy, R.active, R.inactive, ...R.collectors, R.nfs, R.repository];
const labHostNamed = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;
const outcomes = (reports: readonly StepReport[]) =>
  Object.fromEntries(reports.map((r) => [r.step, r.outcome]));
/** The ports of `to` that `h` holds established TCP connections to, as `ss -tn` lists them on `h`. */
const establishedPorts = (h: LabHost, to: LabHost): number[] =>
  runOnHost(h.name, 'ss -tn state established')
    .stdout.split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[3] ?? '')
    .filter((peer) => peer.replace(/^\[(::ffff:)?|\]/g, '').startsWith(`${to.address}:`))
    .map((peer) => Number(peer.slice(peer.lastIndexOf(':') + 1)))
    .sort((a, b) => a - b);
/** The pid of a collector's ICMP process (the emulator's `dcmd-icmp`), which only a stop ends. */
const icmpPid = (h: LabHost): number | undefined =>
  (JSON.parse(runOnHost(h.name, '/lab/bin/netops-lab lab-state dcmd-icmp').stdout) as { pid?: number }).pid;

function props(extra: Partial<FaultTolerantAggregatorProps> = {}): FaultTolerantAggregatorProps {
  return netOpsLabProps(labHost(lab), labHostNamed(R.repository).address, extra);
}

async function synthAndInit(p: FaultTolerantAggregatorProps): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-e2e-'));
  const dir = synthStack((s) => addNetOpsLab(s, p), { outdir, engine: 'terraform_data' });
  await init(dir);
  return dir;
}

/** Nothing installed anywhere: no component directory, no installer run. */
function expectNothingInstalled(): void {
  for (const name of [R.proxy, R.active, R.inactive, ...R.collectors])
    expect(installCount(labHostNamed(name))).toBe(0);
  for (const name of [R.active, R.inactive])
    expect(fs.existsSync(hostPath(name, '/opt/IMDataAggregator'))).toBe(false);
}

/** Staging directories a run left on a host (each run stages in a fresh one under the login's home or /var/tmp). */
function stagingLeftovers(name: string): string[] {
  return ['/root', '/var/tmp'].flatMap((dir) =>
    fs
      .readdirSync(hostPath(name, dir))
      .filter((entry) => entry.startsWith(STAGING_PREFIX))
      .map((entry) => `${dir}/${entry}`),
  );
}

/** A knob file of the NetOps emulator on the host (its README: knobs), set or removed. */
function netOpsKnob(name: string, knob: string, on: boolean): void {
  const file = hostPath(name, `/var/lib/netops-lab/knobs/${knob}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (on) fs.writeFileSync(file, '');
  else fs.rmSync(file, { force: true });
}

/** Runs the health step again (replaced), and returns its report. */
async function healthAgain(dir: string): Promise<StepReport> {
  const health = (await stateResources(dir)).find((r) => r.includes('NetOps_Steps_health_'))!;
  const run = await apply(dir, { env, extraArgs: [`-replace=${health}`] });
  expect(outcomes(run.reports)).toEqual({ health: expect.any(String) });
  return run.reports[0];
}

function resetNetOpsLab(): void {
  // A reset also empties the host's firewall.
  for (const name of ALL) resetHost(name);
  prepareNetOpsLab(lab.hosts);
}

beforeAll(async () => {
  lab = await startLab();
});

beforeEach(resetNetOpsLab);

afterAll(() => {
  for (const name of ALL) resetHost(name);
});

describe('FaultTolerantAggregator on lab hosts', () => {
  it('installs the procedure healthy, changes nothing on a second deploy, and drills a failover and back', async () => {
    const dir = await synthAndInit(props({ drill: true }));
    const first = await timed('first deploy', apply(dir, { env }));
    if (first.code !== 0) console.log(first.output);
    expect(first.code).toBe(0);
    expect(first.reports.map((r) => r.step)).toEqual([
      'preflight',
      'data-repository',
      'preflight',
      'server',
      ...(first.reports.map((r) => r.step).indexOf('client-lab-b') <
      first.reports.map((r) => r.step).indexOf('client-lab-c')
        ? ['client-lab-b', 'client-lab-c']
        : ['client-lab-c', 'client-lab-b']),
      'verify',
      'upgrade',
      'proxy',
      'aggregator-active',
      'aggregator-inactive',
      ...first.reports.map((r) => r.step).filter((s) => s.startsWith('collector-')),
      'ports',
      'health',
      'drill',
    ]);
    expect(outcomes(first.reports)).toMatchObject({
      'data-repository': 'ok',
      proxy: 'changed',
      'aggregator-active': 'changed',
      'aggregator-inactive': 'changed',
      'collector-lab-d': 'changed',
      'collector-lab-e': 'changed',
      ports: 'ok',
      health: 'ok',
      drill: 'changed',
    });
    // Healthy: one Active, one Inactive; the collectors connected, the inactive aggregator their failover.
    expect([daStatus(labHostNamed(R.active)), daStatus(labHostNamed(R.inactive))].sort()).toEqual([
      'Active',
      'Inactive',
    ]);
    for (const dc of R.collectors) expect(dcmdState(labHostNamed(dc))).toMatchObject({ state: 'connected' });
    const drill = first.reports.find((r) => r.step === 'drill')!;
    expect(drill.actions[0].detail).toMatch(
      /^switch lab-[bc] → lab-[bc] in \d+\.\d s, back in \d+\.\d s; healthy after$/,
    );
    console.log(`drill: ${drill.actions[0].detail}`);
    // The password was on the hosts only in the response file, now removed with its staging directory, and in no report.
    for (const name of [R.proxy, R.active, R.inactive, ...R.collectors])
      expect(stagingLeftovers(name)).toEqual([]);
    expect(JSON.stringify(first.reports) + first.output).not.toContain(NETOPS_LAB_DB.password);
    for (const file of ['terraform.tfstate', 'cdk.tf.json'])
      expect(fs.readFileSync(path.join(dir, file), 'utf8')).not.toContain(NETOPS_LAB_DB.password);

    const installs = ALL.map((n) => installCount(labHostNamed(n)));
    const second = await timed('second deploy', apply(dir, { env }));
    expect(second.code).toBe(0);
    expect(second.output).toContain('No changes.');
    expect(second.reports).toEqual([]);
    expect(ALL.map((n) => installCount(labHostNamed(n)))).toEqual(installs);
  });

  it('refuses in preflight, installing nothing, when the UID of the share owner differs between the aggregators', async () => {
    runOnHost(R.inactive, 'useradd -u 4600 -M dauser');
    const dir = await synthAndInit(props());
    const run = await apply(dir, { env });
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({ preflight: 'failed' });
    expect(run.reports[0].reason).toMatch(/lab-c.*dauser.*4600/);
    expectNothingInstalled();
  });

  it('refuses in preflight when UDP 8301 is blocked between the proxy and one aggregator', async () => {
    blockBetween(R.proxy, R.inactive, 'udp', 8301);
    const dir = await synthAndInit(props());
    const run = await apply(dir, { env });
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({ preflight: 'failed' });
    expect(run.reports[0].reason).toContain('lab-a → lab-c UDP 8301 (Consul LAN gossip) is closed');
    expect(run.reports[0].reason).toContain('lab-c → lab-a UDP 8301 (Consul LAN gossip) is closed');
    expect(run.reports[0].reason).not.toMatch(/lab-b UDP/);
    expectNothingInstalled();
  });

  it('refuses in preflight when Consul ports are blocked between the two aggregators, or a collector cannot reach an ActiveMQ port', async () => {
    blockBetween(R.active, R.inactive, 'tcp', 8300);
    blockBetween(R.active, R.inactive, 'udp', 8301);
    blockTraffic({ from: R.collectors[0], to: R.inactive, protocol: 'tcp', port: 61616 });
    const dir = await synthAndInit(props());
    const run = await apply(dir, { env });
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({ preflight: 'failed' });
    const reason = run.reports[0].reason!;
    for (const [from, to] of [
      [R.active, R.inactive],
      [R.inactive, R.active],
    ]) {
      expect(reason).toContain(`${from} → ${to} TCP 8300 (Consul server RPC) is closed`);
      expect(reason).toContain(`${from} → ${to} UDP 8301 (Consul LAN gossip) is closed`);
    }
    expect(reason).toContain(
      `${R.collectors[0]} → ${R.inactive} TCP 61616 (collector data (ActiveMQ)) is closed`,
    );
    expect(reason).not.toContain(`${R.collectors[1]} →`);
    expect(reason).not.toMatch(/TCP 8301/);
    expectNothingInstalled();
  });

  it('stops, then starts a collector that hung while its status says it runs (never a restart), and verifies each collector connected', async () => {
    const first = await apply(await synthAndInit(props()), { env });
    if (first.code !== 0) console.log(first.output);
    expect(first.code).toBe(0);
    const activeName = daStatus(labHostNamed(R.active)) === 'Active' ? R.active : R.inactive;
    const active = labHostNamed(activeName);
    const [d, e] = R.collectors.map(labHostNamed);
    expect(first.reports.find((r) => r.step === 'ports')!.actions[0].detail).toContain(
      '2 collector(s) connected',
    );
    for (const dc of [d, e]) expect(establishedPorts(dc, active)).toEqual([8581, 61616]);

    // lab-d started while no aggregator answered it: hung, and a restart keeps it so.
    for (const da of [R.active, R.inactive])
      blockTraffic({ from: d.name, to: da, protocol: 'tcp', port: 8581 });
    runOnHost(d.name, 'service dcmd stop; service dcmd start');
    for (const da of [R.active, R.inactive])
      unblockTraffic({ from: d.name, to: da, protocol: 'tcp', port: 8581 });
    expect(runOnHost(d.name, 'service dcmd restart').code).toBe(0);
    expect(dcmdState(d)).toMatchObject({ running: true, state: 'hung' });
    expect(runOnHost(d.name, 'service dcmd status').code).toBe(0);
    expect(establishedPorts(d, active)).toEqual([]);
    const icmpBefore = icmpPid(d);

    // A deploy from fresh state runs every step again: the installed collectors are checked.
    const run = await apply(await synthAndInit(props()), { env });
    if (run.code !== 0) console.log(run.output);
    expect(run.code).toBe(0);
    expect(outcomes(run.reports)).toMatchObject({
      'collector-lab-d': 'changed',
      'collector-lab-e': 'ok',
      ports: 'ok',
    });
    expect(run.reports.find((r) => r.step === 'collector-lab-d')!.actions[0].detail).toContain(
      'stopped and started the collector: it holds no connection to an aggregator on TCP 8581, 61616',
    );
    // Stopped (its ICMP process too), then started: a restart would have left that process running.
    expect(icmpPid(d)).not.toBe(icmpBefore);
    expect(dcmdState(d)).toMatchObject({ state: 'connected', da: `${active.address}:8581` });
    expect(establishedPorts(d, active)).toEqual([8581, 61616]);
  });

  it('refuses in preflight when the data repository does not answer', async () => {
    stopDataRepository(labHostNamed(R.repository));
    const dir = await synthAndInit(props());
    const run = await apply(dir, { env });
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({ preflight: 'failed' });
    const address = labHostNamed(R.repository).address;
    expect(run.reports[0].reason).toContain(`lab-b → the data repository ${address} TCP 5433`);
    expect(run.reports[0].reason).toContain(`lab-c → the data repository ${address} TCP 5433`);
    expectNothingInstalled();
  });

  it('applies the HTTPS files and commands, then checks each endpoint names itself over TLS', async () => {
    const certificate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'netops-cert-')), 'da.pem');
    fs.writeFileSync(certificate, 'a certificate bundle of the site\n');
    const endpoints = [R.active, R.inactive].map((name, i) => ({
      address: labHostNamed(name).address,
      port: 8443,
      name: `da${i + 1}.lab.example`,
    }));
    const servers = [
      await serveTls(R.active, { port: 8443, subjectAltNames: ['da1.lab.example'] }),
      await serveTls(R.inactive, { port: 8443, subjectAltNames: ['other.lab.example'] }),
    ];
    try {
      const dir = await synthAndInit(
        props({
          https: {
            aggregators: {
              files: [{ path: '/opt/IMDataAggregator/certs/da.pem', localFile: certificate, mode: '0640' }],
              commands: [['sh', '-c', 'echo applied >> /var/tmp/https-commands.log']],
            },
            endpoints,
          },
        }),
      );
      const first = await apply(dir, { env });
      expect(outcomes(first.reports)).toMatchObject({ health: 'ok', https: 'failed' });
      expect(first.reports.find((r) => r.step === 'https')!.reason).toMatch(
        /^HTTPS is not in place:\n {2}- 198\.18\.0\.13:8443 presents a certificate .* whose Subject Alternative Names \(other\.lab\.example\) do not name da2\.lab\.example\nThe HTTPS commands on lab-b, lab-c will run again on the next deploy\.$/,
      );
      for (const name of [R.active, R.inactive]) {
        expect(fs.readFileSync(hostPath(name, '/opt/IMDataAggregator/certs/da.pem'), 'utf8')).toBe(
          'a certificate bundle of the site\n',
        );
        expect(
          (fs.statSync(hostPath(name, '/opt/IMDataAggregator/certs/da.pem')).mode & 0o777).toString(8),
        ).toBe('640');
        expect(fs.readFileSync(hostPath(name, '/var/tmp/https-commands.log'), 'utf8')).toBe('applied\n');
      }
      servers.pop()!.stop();
      servers.push(await serveTls(R.inactive, { port: 8443, subjectAltNames: ['da2.lab.example'] }));
      const second = await apply(dir, { env });
      expect(outcomes(second.reports)).toEqual({ https: 'changed' });
      // The files were already in place, but the first run did not end verified: its pending marker
      // runs the commands once more, and this verified run clears it.
      expect(second.reports[0].actions[0].detail).toMatch(
        /^0 file\(s\) written, commands run on 2 host\(s\);/,
      );
      for (const name of [R.active, R.inactive]) {
        expect(fs.readFileSync(hostPath(name, '/var/tmp/https-commands.log'), 'utf8')).toBe(
          'applied\napplied\n',
        );
        expect(fs.readdirSync(hostPath(name, '/var/lib/cdktf-failover/pending'))).toEqual([]);
      }
    } finally {
      servers.forEach((s) => s.stop());
    }
  });

  it('reads bare state words with statusLine "{state}", and reports systemd-style answers as unknown with what they printed', async () => {
    for (const name of [R.active, R.inactive]) daStatusFormat(labHostNamed(name), 'word');
    const p = props({ healthTimeoutSeconds: 5 });
    const dir = await synthAndInit({ ...p, aggregators: { ...p.aggregators, statusLine: '{state}' } });
    const first = await apply(dir, { env });
    if (first.code !== 0) console.log(first.output);
    expect(first.code).toBe(0);
    expect(first.reports.find((r) => r.step === 'health')!.actions[0].detail).toMatch(
      /^lab-b Active, lab-c Inactive;/,
    );

    for (const name of [R.active, R.inactive]) daStatusFormat(labHostNamed(name), 'systemd');
    const health = (await stateResources(dir)).find((r) => r.includes('NetOps_Steps_health_'))!;
    const run = await apply(dir, { env, extraArgs: [`-replace=${health}`] });
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({ health: 'failed' });
    expect(run.reports[0].reason).toContain(
      `lab-b: the aggregator's state is unknown: dadaemon status printed ${JSON.stringify(
        daStatusAnswer('systemd', 'Active', daDaemonState(labHostNamed(R.active)).pid).stdout.trim(),
      )} (exit 0), not a line "{state}"`,
    );
    expect(run.reports[0].reason).toContain("lab-c: the aggregator's state is unknown");
  });

  it('drills and stays healthy with a standby that runs no DA process, its state read from the process where status says none', async () => {
    // systemd's view: "active (running)" on the Active one, "inactive (dead)" exit 3 on the standby.
    for (const name of [R.active, R.inactive]) daStatusFormat(labHostNamed(name), 'systemd');
    const p = props({ drill: true, healthTimeoutSeconds: 60, drillTimeoutSeconds: 60 });
    const dir = await synthAndInit({ ...p, aggregators: { ...p.aggregators, unreadableStatus: 'process' } });
    const run = await apply(dir, { env });
    if (run.code !== 0) console.log(run.output);
    expect(run.code).toBe(0);
    expect(outcomes(run.reports)).toMatchObject({ health: 'ok', drill: 'changed' });
    expect(run.reports.find((r) => r.step === 'health')!.actions[0].detail).toMatch(
      /^lab-b Active \(read from its DA process\), lab-c Inactive \(read from its DA process\);/,
    );
    console.log(
      `drill (status read from the DA process): ${run.reports.find((r) => r.step === 'drill')!.actions[0].detail}`,
    );
    expect(daDaemonState(labHostNamed(R.inactive))).toMatchObject({ running: false, state: 'Inactive' });
    expect(daDaemonState(labHostNamed(R.active))).toMatchObject({ running: true, state: 'Active' });
  });

  it("counts the readiness line of the DA's current start only: in a rotated file it passes, none or an earlier start's fails", async () => {
    const [b, c] = [labHostNamed(R.active), labHostNamed(R.inactive)];
    // lab-b's line of this start goes to karaf.log.1 right after it is written.
    netOpsKnob(R.active, 'karaf-log-rotate-after-ready', true);
    const dir = await synthAndInit(props({ healthTimeoutSeconds: 5 }));
    const first = await apply(dir, { env });
    if (first.code !== 0) console.log(first.output);
    expect(first.code).toBe(0);
    expect(outcomes(first.reports)).toMatchObject({ health: 'ok' });
    expect(
      fs.readFileSync(
        hostPath(R.active, '/opt/IMDataAggregator/apache-karaf-4.4.3/data/log/karaf.log.1'),
        'utf8',
      ),
    ).toContain('Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr');

    // lab-c takes over and never logs its line: no line at all.
    netOpsKnob(R.inactive, 'da-readiness-withheld', true);
    expect(dadaemon(b, 'maintenance').code).toBe(0);
    await waitFor('lab-c Active', () => daStatus(c) === 'Active', { timeoutMs: 10_000 });
    expect(dadaemon(b, 'activate').code).toBe(0);
    const none = await healthAgain(dir);
    expect(none.outcome).toBe('failed');
    expect(none.reason).toMatch(
      /lab-c is Active but not ready: no readiness line .* since the DA process \(pid \d+\) started at /,
    );
    expect(none.reason).not.toMatch(/lab-b .*not ready/);

    // lab-b back, a new DA process that does not log it: only its earlier start's line, in karaf.log.1.
    netOpsKnob(R.active, 'da-readiness-withheld', true);
    expect(dadaemon(c, 'maintenance').code).toBe(0);
    await waitFor('lab-b Active', () => daStatus(b) === 'Active', { timeoutMs: 10_000 });
    expect(dadaemon(c, 'activate').code).toBe(0);
    const earlier = await healthAgain(dir);
    expect(earlier.outcome).toBe('failed');
    expect(earlier.reason).toMatch(
      /lab-b is Active but not ready: its readiness line \("Add RequestProcessor as messageListener for queue:\/\/DADistItemRepositoryMgr"\) is from an earlier start: the last one, in \/opt\/IMDataAggregator\/apache-karaf-4\.4\.3\/data\/log\/karaf\.log\.1, was logged at \S+, before the DA process \(pid \d+\) started at /,
    );

    // Ready again once a new start logs it (the standby parked in Maintenance meanwhile, so it does not take over).
    netOpsKnob(R.active, 'da-readiness-withheld', false);
    expect(dadaemon(c, 'maintenance').code).toBe(0);
    expect(dadaemon(b, 'restart').stdout).toContain('Data Aggregator status: Active');
    expect(dadaemon(c, 'activate').code).toBe(0);
    const again = await healthAgain(dir);
    expect([again.outcome, again.reason]).toEqual(['ok', undefined]);
  });

  it('fails health with a clear reason when both aggregators claim Active', async () => {
    const dir = await synthAndInit(props({ healthTimeoutSeconds: 5 }));
    expect((await apply(dir, { env })).code).toBe(0);
    forceDaStatus(labHostNamed(R.inactive), 'Active');
    const health = (await stateResources(dir)).find((r) => r.includes('NetOps_Steps_health_'))!;
    const run = await apply(dir, { env, extraArgs: [`-replace=${health}`] });
    expect(run.code).not.toBe(0);
    expect(outcomes(run.reports)).toEqual({ health: 'failed' });
    expect(run.reports[0].reason).toMatch(
      /^the fault-tolerant aggregators are not healthy after 5 s:\n {2}- lab-b and lab-c both report Active: two active aggregators on one shared directory/,
    );
  });
});

/** The fixed staging directory earlier versions used, which any local user could create first. */
const OLD_STAGING = '/var/tmp/cdktf-failover';
/** Every name the old code wrote in OLD_STAGING on an aggregator host. */
const OLD_NAMES = [
  'response-proxy.properties',
  'response-aggregator.properties',
  'response-collector.properties',
  'response-portal.properties',
  'installDA.bin',
  'installDA.bin.part',
];
const AS_NOBODY = 'setpriv --reuid=65534 --regid=65534 --clear-groups';

/** What a file looks like without following a link: the fields an overwrite, a chmod or a rename changes. */
function snapshot(file: string): string {
  const s = fs.lstatSync(file);
  const body = s.isSymbolicLink()
    ? `-> ${fs.readlinkSync(file)}`
    : s.isDirectory()
      ? 'directory'
      : fs.readFileSync(file, 'utf8');
  return `ino=${s.ino} mode=${s.mode.toString(8)} uid=${s.uid} nlink=${s.nlink} ${body}`;
}

function snapshotDirectory(host: string, dir: string): Record<string, string> {
  const here = hostPath(host, dir);
  return Object.fromEntries(
    [['.', snapshot(here)], ...fs.readdirSync(here).map((n) => [n, snapshot(path.join(here, n))])].sort(),
  );
}

/** Files on the host that user nobody can read and that hold `secret` (searched by root, from a root-only pattern file). */
function readableByNobodyContaining(host: string, secret: string): string[] {
  const listed = runOnHost(
    host,
    `${AS_NOBODY} find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -type f -readable -print0 2>/dev/null`,
    { timeoutMs: 120_000 },
  ).stdout;
  const files = listed.split('\0').filter(Boolean);
  // A search that listed nothing would pass vacuously.
  expect(files).toContain('/etc/passwd');
  const pattern = '/root/.e2e-password-pattern';
  fs.writeFileSync(hostPath(host, pattern), secret, { mode: 0o600 });
  try {
    const found = runOnHost(host, `xargs -0 -r grep -lsF -f ${pattern} --`, {
      input: `${files.join('\0')}\0`,
      timeoutMs: 120_000,
    });
    return found.stdout.split('\n').filter(Boolean);
  } finally {
    fs.rmSync(hostPath(host, pattern), { force: true });
  }
}

describe('FaultTolerantAggregator against an unprivileged local user', () => {
  it('an unprivileged local user who made the old staging directory and planted links in it changes nothing and reads no password', async () => {
    // The installer comes from this machine, so the upload is exercised too.
    const localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-installer-'));
    const localInstaller = path.join(localDir, 'installDA.bin');
    fs.copyFileSync(hostPath(R.active, '/opt/installers/installDA.bin'), localInstaller);
    fs.chmodSync(localInstaller, 0o755);
    const { aggregators: onHost } = props();
    const { path: _onHost, ...installer } = onHost.installer!;
    const p = props({
      aggregators: { ...onHost, installer: { ...installer, localFile: localInstaller } },
    });

    // Root-only files the links point at: root 0600, each with its own content.
    const rootOnly = (name: string) => `/root/root-only-${name}`;
    const plant = (host: string, kind: 'symlink' | 'hardlink') => {
      const made = runOnHost(
        host,
        [
          'set -e',
          'umask 077',
          ...OLD_NAMES.map((n) => `printf 'root only: %s\\n' '${n}' > '${rootOnly(n)}'`),
          `${AS_NOBODY} sh -c 'umask 022; mkdir ${OLD_STAGING}'`,
          ...(kind === 'symlink'
            ? OLD_NAMES.map((n) => `${AS_NOBODY} ln -s '${rootOnly(n)}' '${OLD_STAGING}/${n}'`)
            : [
                // Hard links to root's files, as nobody can make them where fs.protected_hardlinks is 0
                // (this kernel forbids it, so root makes them here on nobody's behalf)…
                ...OLD_NAMES.filter((n) => n !== 'response-aggregator.properties').map(
                  (n) => `ln '${rootOnly(n)}' '${OLD_STAGING}/${n}'`,
                ),
                // …and nobody's own response file with a second link nobody keeps to read it later.
                `${AS_NOBODY} sh -c ': > ${OLD_STAGING}/response-aggregator.properties && chmod 0666 ${OLD_STAGING}/response-aggregator.properties && ln ${OLD_STAGING}/response-aggregator.properties ${OLD_STAGING}/kept'`,
              ]),
        ].join('\n'),
      );
      expect(made).toMatchObject({ code: 0, stderr: '' });
    };
    plant(R.active, 'symlink');
    plant(R.inactive, 'hardlink');
    const aggregators = [R.active, R.inactive];
    const theirs = aggregators.map((h) => snapshotDirectory(h, OLD_STAGING));
    const roots = aggregators.map((h) => OLD_NAMES.map((n) => snapshot(hostPath(h, rootOnly(n)))));

    const dir = await synthAndInit(p);
    const run = await apply(dir, { env });
    if (run.code !== 0) console.log(run.output);
    expect(run.code).toBe(0);
    // Each aggregator ran the uploaded installer once, from a staging directory of that run.
    for (const h of aggregators) {
      const runs = installRuns(labHostNamed(h), 'aggregator');
      expect(runs).toHaveLength(1);
      expect(runs[0].installer).toMatch(
        new RegExp(`^/root/${STAGING_PREFIX.replace(/\./g, '\\.')}\\w{10}/installDA\\.bin$`),
      );
    }

    expect(aggregators.map((h) => snapshotDirectory(h, OLD_STAGING))).toEqual(theirs);
    expect(aggregators.map((h) => OLD_NAMES.map((n) => snapshot(hostPath(h, rootOnly(n)))))).toEqual(roots);
    for (const h of aggregators) {
      expect(stagingLeftovers(h)).toEqual([]);
      expect(readableByNobodyContaining(h, NETOPS_LAB_DB.password)).toEqual([]);
    }
  });
});

/** The next release on every host: its installers beside the first ones. */
const NEXT = '24.4.0';
const NEXT_INSTALLERS: Record<Exclude<NetOpsComponent, 'portal'>, string> = {
  proxy: '/opt/installers/installProxy-next.bin',
  aggregator: '/opt/installers/installDA-next.bin',
  collector: '/opt/installers/installDC-next.bin',
};
const RECORD = '/var/lib/cdktf-failover/installed/opt_IMDataAggregator';
const UPGRADE_MARKER = '/var/lib/cdktf-failover/pending/fault-tolerant-aggregator-upgrade';
/** The aggregators' version as their installed files say it (the emulator's version file). */
const DA_VERSION_COMMAND = ['cat', '/opt/IMDataAggregator/.lab/version'];

function placeNextInstallers(): void {
  placeNetOpsInstallers(labHostNamed, NEXT_INSTALLERS, NEXT);
}

type Installer = FaultTolerantAggregatorProps['proxy']['installer'];

/** The lab's props, the aggregators' version read from their files; `next`: every installer raised, with allowUpgrade. */
function versionedProps(next: boolean): FaultTolerantAggregatorProps {
  const p = props();
  const raise = <T extends { installer: Installer }>(role: T, installerPath: string): T =>
    next
      ? { ...role, installer: { ...role.installer, path: installerPath, version: NEXT, allowUpgrade: true } }
      : role;
  const aggregators = {
    ...p.aggregators,
    installer: { ...p.aggregators.installer, versionCommand: DA_VERSION_COMMAND },
  };
  return {
    ...p,
    proxy: raise(p.proxy, NEXT_INSTALLERS.proxy),
    aggregators: raise(aggregators, NEXT_INSTALLERS.aggregator),
    dataCollectors: raise(p.dataCollectors!, NEXT_INSTALLERS.collector),
  };
}

/** The stack's runner over every step in check mode: one report per step, nothing changed. */
function checkStack(dir: string): StepReport[] {
  const assets = path.join(dir, 'assets', 'FailoverRunner');
  const runner = path.join(assets, fs.readdirSync(assets)[0], 'runner.cjs');
  const out = execFileSync('node', [runner, '--check-stack', dir, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as StepReport);
}

const becameActive = () => [R.active, R.inactive].map((n) => timesBecameActive(labHostNamed(n)));
const unplanned = () => [R.active, R.inactive].flatMap((n) => unplannedFailovers(labHostNamed(n)));
const daVersions = () =>
  [R.active, R.inactive].map((n) => installedComponent(labHostNamed(n), 'aggregator')?.version);
const detailOf = (reports: readonly StepReport[], step: string) =>
  reports.find((r) => r.step === step)!.actions[0].detail;

describe('FaultTolerantAggregator: verified installs and ordered upgrades', () => {
  it('takes a half-failed install for what it is: refused on the next deploy, never deleted, rerun with allowUpgrade', async () => {
    failInstallMidway(labHostNamed(R.inactive), ['aggregator']);
    const first = await apply(await synthAndInit(props()), { env });
    expect(first.code).not.toBe(0);
    expect(outcomes(first.reports)).toMatchObject({
      'aggregator-active': 'changed',
      'aggregator-inactive': 'failed',
    });
    expect(fs.existsSync(hostPath(R.inactive, '/opt/IMDataAggregator/scripts/dadaemon'))).toBe(true);
    expect(fs.existsSync(hostPath(R.inactive, RECORD))).toBe(false);
    expect(fs.existsSync(hostPath(R.active, RECORD))).toBe(true);

    failInstallMidway(labHostNamed(R.inactive), []);
    const again = await apply(await synthAndInit(props()), { env });
    expect(again.code).not.toBe(0);
    expect(outcomes(again.reports)).toEqual({ preflight: 'failed' });
    expect(again.reports[0].reason).toContain(
      'lab-c: the inactive data aggregator is not installed completely: /opt/IMDataAggregator exists, but this construct holds no record of a verified install there (an installer that failed midway, or an install made by hand). Set installer.allowUpgrade to run the installer over it, or clean the directory up yourself; it is never deleted by this construct',
    );
    expect(fs.existsSync(hostPath(R.inactive, '/opt/IMDataAggregator/scripts/dadaemon'))).toBe(true);
    expect(installRuns(labHostNamed(R.inactive), 'aggregator').map((r) => r.result)).toEqual(['failed']);

    const p = props();
    const rerun = await apply(
      await synthAndInit({
        ...p,
        aggregators: { ...p.aggregators, installer: { ...p.aggregators.installer, allowUpgrade: true } },
      }),
      { env },
    );
    if (rerun.code !== 0) console.log(rerun.output);
    expect(rerun.code).toBe(0);
    expect(outcomes(rerun.reports)).toMatchObject({
      upgrade: 'ok',
      'aggregator-inactive': 'changed',
      health: 'ok',
    });
    expect(detailOf(rerun.reports, 'aggregator-inactive')).toMatch(
      /^upgraded from an unfinished install by /,
    );
    expect(installRuns(labHostNamed(R.inactive), 'aggregator').map((r) => r.result)).toEqual([
      'failed',
      'installed',
    ]);
    expect(fs.readFileSync(hostPath(R.inactive, RECORD), 'utf8')).toMatch(/^24\.3\.0 \d{8}T\d{6}Z\n$/);
  });

  it('upgrades a running site in order, health-gated, with one planned failover and none unplanned; check mode shows the order first', async () => {
    const first = await apply(await synthAndInit(versionedProps(false)), { env });
    if (first.code !== 0) console.log(first.output);
    expect(first.code).toBe(0);
    expect(detailOf(first.reports, 'upgrade')).toBe(
      'nothing installed yet: the install steps install every component',
    );
    placeNextInstallers();
    const activeBefore = becameActive();

    const dir = await synthAndInit(versionedProps(true));
    const checked = checkStack(dir);
    expect(detailOf(checked, 'upgrade')).toBe(
      'would upgrade, in order: lab-a (proxy server): upgrade 24.3.0 → 24.4.0, health gate; lab-c (data aggregator): maintenance, upgrade 24.3.0 → 24.4.0, activate, health gate; lab-b (data aggregator): maintenance (fail over to lab-c), upgrade 24.3.0 → 24.4.0, activate, health gate',
    );
    expect(detailOf(checked, 'collector-lab-d')).toBe('would upgrade from 24.3.0');
    // Check mode changed nothing.
    expect(daVersions()).toEqual(['24.3.0', '24.3.0']);
    expect(becameActive()).toEqual(activeBefore);

    const started = Date.now();
    const run = await timed('upgrade deploy', apply(dir, { env }));
    const totalSeconds = (Date.now() - started) / 1000;
    if (run.code !== 0) console.log(run.output);
    expect(run.code).toBe(0);
    expect(outcomes(run.reports)).toMatchObject({
      upgrade: 'changed',
      proxy: 'ok',
      'aggregator-active': 'ok',
      'aggregator-inactive': 'ok',
      'collector-lab-d': 'changed',
      'collector-lab-e': 'changed',
      health: 'ok',
    });
    const steps = run.reports.map((r) => r.step);
    expect(steps.indexOf('upgrade')).toBeLessThan(steps.indexOf('proxy'));
    expect(steps.indexOf('collector-lab-d')).toBeLessThan(steps.indexOf('collector-lab-e'));
    const detail = detailOf(run.reports, 'upgrade')!;
    expect(detail).toMatch(
      /^upgraded in order: lab-a \(proxy server\): upgrade 24\.3\.0 → 24\.4\.0, health gate; lab-c \(data aggregator\): maintenance, upgrade .*; lab-b \(data aggregator\): maintenance \(fail over to lab-c\), .*; healthy after each \(lab-a [\d.]+ s, lab-c [\d.]+ s, lab-b [\d.]+ s; total [\d.]+ s\)$/,
    );
    expect(daVersions()).toEqual([NEXT, NEXT]);
    expect(installedComponent(labHostNamed(R.proxy), 'proxy')!.version).toBe(NEXT);
    for (const dc of R.collectors) {
      expect(installedComponent(labHostNamed(dc), 'collector')!.version).toBe(NEXT);
      expect(dcmdState(labHostNamed(dc))).toMatchObject({ state: 'connected' });
    }
    // One planned failover (lab-c took over), none by an installer, and no switch back.
    expect(unplanned()).toEqual([]);
    expect(becameActive()).toEqual([activeBefore[0], activeBefore[1] + 1]);
    expect([daStatus(labHostNamed(R.active)), daStatus(labHostNamed(R.inactive))]).toEqual([
      'Inactive',
      'Active',
    ]);
    for (const name of [R.proxy, R.active, R.inactive])
      expect(fs.existsSync(hostPath(name, UPGRADE_MARKER))).toBe(false);
    const seconds = (step: string) =>
      (run.reports.find((r) => r.step === step)!.durationMs / 1000).toFixed(1);
    console.log(
      `upgrade timings: deploy ${totalSeconds.toFixed(1)} s; upgrade step ${seconds('upgrade')} s (${detail.replace(/^.*\((lab-a .*)\)$/, '$1')}); collector batches ${R.collectors.map((dc) => `${dc} ${seconds(`collector-${dc}`)} s`).join(', ')}`,
    );

    const again = await apply(dir, { env });
    expect(again.code).toBe(0);
    expect(again.reports).toEqual([]);
  });

  it('stops when the old Active aggregator fails to upgrade after the failover; the next deploy resumes there without a second failover', async () => {
    expect((await apply(await synthAndInit(versionedProps(false)), { env })).code).toBe(0);
    placeNextInstallers();
    const activeBefore = becameActive();
    failInstallMidway(labHostNamed(R.active), ['aggregator']);
    const dir = await synthAndInit(versionedProps(true));
    const broken = await apply(dir, { env });
    if (outcomes(broken.reports).upgrade !== 'failed') console.log(broken.output);
    expect(broken.code).not.toBe(0);
    expect(outcomes(broken.reports)).toMatchObject({ upgrade: 'failed' });
    expect(broken.reports.find((r) => r.step === 'upgrade')!.reason).toMatch(
      /failed on lab-b \(exit 2\):\n.*stopped midway.*\nThe upgrade stopped on lab-b; its pending marker stays, so the next deploy resumes there \(no second failover\)\.$/s,
    );
    expect(fs.existsSync(hostPath(R.active, UPGRADE_MARKER))).toBe(true);
    expect(fs.existsSync(hostPath(R.active, RECORD))).toBe(false);
    expect(daStatus(labHostNamed(R.active))).toBe('Maintenance');
    expect(daStatus(labHostNamed(R.inactive))).toBe('Active');

    failInstallMidway(labHostNamed(R.active), []);
    const resumed = await apply(dir, { env });
    if (resumed.code !== 0) console.log(resumed.output);
    expect(resumed.code).toBe(0);
    expect(detailOf(resumed.reports, 'upgrade')).toMatch(
      /^upgraded in order: lab-b \(data aggregator\): upgrade an unfinished install → 24\.4\.0, activate, health gate; healthy after each/,
    );
    expect(daVersions()).toEqual([NEXT, NEXT]);
    expect(unplanned()).toEqual([]);
    expect(becameActive()).toEqual([activeBefore[0], activeBefore[1] + 1]);
    expect([daStatus(labHostNamed(R.active)), daStatus(labHostNamed(R.inactive))]).toEqual([
      'Inactive',
      'Active',
    ]);
    expect(fs.existsSync(hostPath(R.active, UPGRADE_MARKER))).toBe(false);
    for (const dc of R.collectors) expect(dcmdState(labHostNamed(dc))).toMatchObject({ state: 'connected' });
  });
});

describe('FaultTolerantAggregator: the account the aggregators write the shared directory as', () => {
  const OWNER = { user: 'dauser', uid: 1500, group: 'dauser', gid: 1500 };
  /** The lab's props with a share owned by UID 1500 (root_squash: the default export options). */
  function ownedBy1500(shareAccount?: string): FaultTolerantAggregatorProps {
    const p = props();
    return {
      ...p,
      sharedDirectory: { ...(p.sharedDirectory as object), owner: OWNER } as never,
      aggregators: { ...p.aggregators, ...(shareAccount ? { shareAccount } : {}) },
    };
  }
  /** The terraform_data address of the one planned resource whose name matches. */
  function resourceOf(dir: string, name: RegExp): string {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
    const names = Object.keys(json.resource.terraform_data).filter((n) => name.test(n));
    expect(names).toHaveLength(1);
    return `terraform_data.${names[0]}`;
  }
  const preflightOnly = async (p: FaultTolerantAggregatorProps) => {
    const dir = await synthAndInit(p);
    return apply(dir, { env, extraArgs: [`-target=${resourceOf(dir, /^NetOps_Steps_preflight_/)}`] });
  };
  const probeFilesLeft = () =>
    fs.readdirSync(hostPath(R.nfs, '/srv/da-shared')).filter((f) => f.startsWith(SHARE_PROBE_PREFIX));
  const addUser = (name: string, user: string, uid: number) =>
    runOnHost(name, `groupadd -g ${uid} ${user} && useradd -u ${uid} -g ${uid} -M ${user}`);

  it('refuses root in preflight on a fresh site, naming root_squash, and accepts the share owner', async () => {
    const refused = await preflightOnly(ownedBy1500('root'));
    expect(refused.code).not.toBe(0);
    expect(outcomes(refused.reports)).toEqual({ preflight: 'failed' });
    for (const da of [R.active, R.inactive])
      expect(refused.reports[0].reason).toMatch(
        new RegExp(
          `${da}: root \\(UID 0\\) will not be able to write in /DASharedRepo: the export squashes root to the anonymous user \\(root_squash`,
        ),
      );
    expectNothingInstalled();

    for (const da of [R.active, R.inactive]) addUser(da, 'dauser', 1500);
    const accepted = await preflightOnly(ownedBy1500());
    if (accepted.code !== 0) console.log(accepted.output);
    expect(accepted.code).toBe(0);
    expect(accepted.reports[0].actions[0].detail).toContain('dauser ready on both aggregators');
  });

  it('writes, locks and deletes as the account in a mounted share: the owner passes, another account is refused with the owner and mode, and no probe file stays', async () => {
    // The share set up and verified first (preflight, data repository, then its own steps).
    const owner = await synthAndInit(ownedBy1500());
    const share = await apply(owner, {
      env,
      extraArgs: [`-target=${resourceOf(owner, /^NetOps_SharedDirectory_Steps_verify_/)}`],
    });
    if (share.code !== 0) console.log(share.output);
    expect(share.code).toBe(0);

    for (const da of [R.active, R.inactive]) addUser(da, 'dasvc', 1600);
    const refused = await preflightOnly(ownedBy1500('dasvc'));
    expect(outcomes(refused.reports)).toEqual({ preflight: 'failed' });
    for (const da of [R.active, R.inactive])
      expect(refused.reports[0].reason).toMatch(
        new RegExp(
          `${da}: dasvc \\(UID 1600\\) cannot create a file in /DASharedRepo \\(.*Permission denied\\): the share belongs to UID 1500:1500 with mode 770, and dasvc is not its owner`,
        ),
      );

    const accepted = await preflightOnly(ownedBy1500('dauser'));
    if (accepted.code !== 0) console.log(accepted.output);
    expect(accepted.code).toBe(0);
    expect(accepted.reports[0].actions[0].detail).toContain(
      'dauser writes, locks and deletes in /DASharedRepo on 2 aggregator(s)',
    );
    expect(probeFilesLeft()).toEqual([]);
    expectNothingInstalled();
  });
});
