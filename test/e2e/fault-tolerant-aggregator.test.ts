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
  daStatus,
  dcmdState,
  forceDaStatus,
  installCount,
  stopDataRepository,
} from '../lab/emulators/netops/setup';
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
    // The password was on the hosts only in the response file, now removed, and in no report.
    for (const name of [R.proxy, R.active, R.inactive, ...R.collectors])
      expect(fs.readdirSync(hostPath(name, '/var/tmp/cdktf-failover'))).toEqual([]);
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
        /^HTTPS is not in place:\n {2}- 198\.18\.0\.13:8443 presents a certificate .* whose Subject Alternative Names \(other\.lab\.example\) do not name da2\.lab\.example$/,
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
      expect(outcomes(second.reports)).toEqual({ https: 'ok' });
      // The files were already in place: the commands did not run again.
      expect(fs.readFileSync(hostPath(R.inactive, '/var/tmp/https-commands.log'), 'utf8')).toBe('applied\n');
    } finally {
      servers.forEach((s) => s.stop());
    }
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
