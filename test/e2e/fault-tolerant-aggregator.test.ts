/**
 * FaultTolerantAggregator end to end: real terraform, the bundled runner, lab hosts with the
 * emulated DX NetOps surface (InstallAnywhere installers, dadaemon sharing the active lock through
 * the NFS share, Consul on the proxy with membership from real UDP gossip, dcmd, a data
 * repository). lab-a proxy, lab-b/lab-c aggregators, lab-d/lab-e collectors, lab-f NFS, lab-g
 * data repository.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FaultTolerantAggregatorProps } from '../../index';
import { STAGING_PREFIX } from '../../constructs/fault-tolerant-aggregator/commands';
import type { StepReport } from '../../src/runner/execute-step';
import {
  addNetOpsLab,
  labHost,
  NETOPS_LAB_DB,
  NETOPS_LAB_ROLES as R,
  netOpsLabProps,
  prepareNetOpsLab,
} from '../../examples/fault-tolerant-aggregator-lab';
import {
  daDaemonState,
  daStatus,
  daStatusFormat,
  dcmdState,
  forceDaStatus,
  installCount,
  installRuns,
  stopDataRepository,
} from '../lab/emulators/netops/setup';
import { daStatusAnswer } from '../lab/emulators/netops/status-variants';
import { blockBetween, hostPath, LabHost, LabInventory, resetHost, runOnHost, startLab } from '../lab/lab';
import { apply, init, stateResources, synthStack, timed } from '../support/terraform';
import { serveTls } from '../lab/tls';

jest.setTimeout(600_000);

let lab: LabInventory;
const env = { [NETOPS_LAB_DB.passwordEnv]: NETOPS_LAB_DB.password };
const ALL = [R.proxy, R.active, R.inactive, ...R.collectors, R.nfs, R.repository];
const labHostNamed = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;
const outcomes = (reports: readonly StepReport[]) =>
  Object.fromEntries(reports.map((r) => [r.step, r.outcome]));

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
