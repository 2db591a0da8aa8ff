/**
 * CassandraTwoNode end to end: real terraform, the bundled runner, lab hosts with an emulated
 * Cassandra (nodetool, systemctl, listening ports, a shared cluster view).
 * Hosts: lab-f and lab-g.
 */
import { labHostProps } from '../support/lab-hosts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CassandraTwoNode, CassandraTwoNodeProps } from '../../index';
import type { HostProps } from '../../index';
import {
  CASSANDRA_YAML,
  EmulatedNodeOptions,
  forgetCassandraNode,
  installCassandraNode,
  nodeState,
  nodetoolOn,
  setFailStart,
} from '../lab/emulators/cassandra/setup';
import { hostPath, LabHost, LabInventory, resetHost, startLab } from '../lab/lab';
import { apply, init, stateResources, synthStack, TerraformRun } from '../support/terraform';

jest.setTimeout(300_000);

let lab: LabInventory;
let f: LabHost;
let g: LabHost;

const hostProps = (h: LabHost): HostProps => labHostProps(lab, h);

const pairProps = (extra: Partial<CassandraTwoNodeProps> = {}): CassandraTwoNodeProps => ({
  nodes: [{ host: hostProps(f) }, { host: hostProps(g) }],
  clusterName: 'Lab Cluster',
  healthTimeoutSeconds: 20,
  ...extra,
});

const outdirs: string[] = [];

async function synthAndInit(props: CassandraTwoNodeProps): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-cassandra-'));
  outdirs.push(outdir);
  const dir = synthStack((s) => new CassandraTwoNode(s, 'Cassandra', props), {
    outdir,
    engine: 'terraform_data',
  });
  await init(dir);
  return dir;
}

const outcomes = (run: TerraformRun) => run.reports.map((r) => [r.step, r.outcome]);
const read = (h: LabHost, p: string) => fs.readFileSync(hostPath(h.name, p), 'utf8');
const exists = (h: LabHost, p: string) => fs.existsSync(hostPath(h.name, p));
const PENDING_RESTART = '/var/lib/cdktf-failover/pending/restart-cassandra';

/** Everything the construct could change on a node: its file, its backups, a pending restart, the process. */
function snapshotNode(h: LabHost) {
  return {
    yaml: read(h, CASSANDRA_YAML),
    files: fs.readdirSync(hostPath(h.name, '/etc/cassandra')).sort(),
    pending: exists(h, PENDING_RESTART),
    pid: nodeState(h).pid,
    data: fs.readdirSync(hostPath(h.name, '/var/lib')).sort(),
  };
}

function setUpPair(options: { f?: EmulatedNodeOptions; g?: EmulatedNodeOptions } = {}): void {
  for (const h of [f, g]) {
    resetHost(h.name);
    forgetCassandraNode(h);
  }
  installCassandraNode(f, options.f);
  installCassandraNode(g, options.g);
}

function expectBothUn(view: LabHost): void {
  const status = nodetoolOn(view, 'status');
  expect(status).toMatch(new RegExp(`^UN  ${f.address.replace(/\./g, '\\.')} `, 'm'));
  expect(status).toMatch(new RegExp(`^UN  ${g.address.replace(/\./g, '\\.')} `, 'm'));
}

beforeAll(async () => {
  lab = await startLab();
  [f, g] = ['lab-f', 'lab-g'].map((n) => lab.hosts.find((h) => h.name === n)!);
});

afterAll(() => {
  for (const h of [f, g]) {
    resetHost(h.name);
    forgetCassandraNode(h);
  }
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('CassandraTwoNode on two lab hosts', () => {
  it('joins two standalone nodes one at a time into one healthy cluster; a second deploy changes nothing', async () => {
    setUpPair();
    const before = { f: nodeState(f), g: nodeState(g) };
    expect(nodetoolOn(f, 'status')).not.toContain(g.address);

    const dir = await synthAndInit(pairProps());
    const first = await apply(dir);
    expect(first.code).toBe(0);
    expect(outcomes(first)).toEqual([
      ['preflight', 'ok'],
      ['configure-1-lab-f', 'changed'],
      ['configure-2-lab-g', 'changed'],
      ['verify', 'ok'],
    ]);
    // Each node: its file edited, then a restart that waited for UN.
    for (const report of first.reports.filter((r) => r.step.startsWith('configure'))) {
      expect(report.actions.map((a) => a.outcome)).toEqual(['changed', 'changed']);
    }
    for (const h of [f, g]) {
      const yaml = read(h, CASSANDRA_YAML);
      expect(yaml).toContain(`          - seeds: "${f.address},${g.address}"`);
      expect(yaml).toContain('endpoint_snitch: GossipingPropertyFileSnitch');
      expect(yaml).toContain(`listen_address: ${h.address}`);
      // Everything else stays, comments included.
      expect(yaml).toContain('# Setting listen_address to 0.0.0.0 is always wrong.');
      expect(yaml).toContain('    internode_encryption: none');
      expect(exists(h, PENDING_RESTART)).toBe(false);
      expect(nodeState(h).pid).not.toBe((h === f ? before.f : before.g).pid);
      expect(
        fs.readdirSync(hostPath(h.name, '/etc/cassandra')).filter((n) => n.includes('cdktf-failover-backup')),
      ).toHaveLength(1);
    }
    expectBothUn(f);
    expectBothUn(g);
    expect(nodetoolOn(g, 'describecluster')).toMatch(/\tName: Lab Cluster\n/);

    const settled = { f: snapshotNode(f), g: snapshotNode(g) };
    const second = await apply(dir);
    expect(second.code).toBe(0);
    expect(second.output).toContain('No changes.');
    expect(second.reports).toEqual([]);

    // Run every step again for real: each looks, finds the host as wanted, changes nothing.
    const forced = await apply(dir, { extraArgs: (await stateResources(dir)).map((r) => `-replace=${r}`) });
    expect(forced.code).toBe(0);
    expect(outcomes(forced)).toEqual([
      ['preflight', 'ok'],
      ['configure-1-lab-f', 'ok'],
      ['configure-2-lab-g', 'ok'],
      ['verify', 'ok'],
    ]);
    expect({ f: snapshotNode(f), g: snapshotNode(g) }).toEqual(settled);
  });

  it('a release mismatch fails in preflight, naming both releases and the node to update first; nothing changes', async () => {
    setUpPair({ g: { releaseVersion: '3.11.3' } });
    const before = { f: snapshotNode(f), g: snapshotNode(g) };
    const run = await apply(await synthAndInit(pairProps()));
    expect(run.code).not.toBe(0);
    expect(outcomes(run)).toEqual([['preflight', 'failed']]);
    expect(run.reports[0].reason).toContain('lab-f 3.11.4, lab-g 3.11.3');
    expect(run.reports[0].reason).toContain('update lab-g (3.11.3) to 3.11.4 first');
    expect(run.reports[0].reason).toContain('nothing was changed on either node');
    expect({ f: snapshotNode(f), g: snapshotNode(g) }).toEqual(before);
  });

  it('a node that does not come back UN stops the roll before the other node is touched; the next deploy completes it', async () => {
    setUpPair();
    setFailStart(f, true);
    const before = { g: snapshotNode(g) };
    const dir = await synthAndInit(pairProps({ healthTimeoutSeconds: 6 }));

    const failed = await apply(dir);
    expect(failed.code).not.toBe(0);
    expect(outcomes(failed)).toEqual([
      ['preflight', 'ok'],
      ['configure-1-lab-f', 'failed'],
    ]);
    expect(failed.reports[1].reason).toContain(
      `cassandra at ${f.address} is not UN after 6 s (last seen: UJ  ${f.address}`,
    );
    expect(snapshotNode(g)).toEqual(before.g);
    expect(read(f, CASSANDRA_YAML)).toContain('endpoint_snitch: GossipingPropertyFileSnitch');
    // The restart is still due, on the host itself.
    expect(exists(f, PENDING_RESTART)).toBe(true);

    setFailStart(f, false);
    const pidWhileJoining = nodeState(f).pid;
    const next = await apply(dir);
    expect(next.code).toBe(0);
    expect(outcomes(next)).toEqual([
      ['configure-1-lab-f', 'changed'],
      ['configure-2-lab-g', 'changed'],
      ['verify', 'ok'],
    ]);
    // The file was already right: only the pending restart ran on lab-f.
    expect(next.reports[0].actions.map((a) => a.outcome)).toEqual(['ok', 'changed']);
    expect(nodeState(f).pid).not.toBe(pidWhileJoining);
    expect(exists(f, PENDING_RESTART)).toBe(false);
    expectBothUn(g);
  });

  it('a stored cluster name that differs fails preflight unless allowDataWipeOn names the node; its data is then set aside, not deleted', async () => {
    // The new name carries shell syntax: it must reach cassandra.yaml as text and run nowhere.
    const clusterName = "Lab $(touch /tmp/pwned) `touch /tmp/pwned` 'x'";
    setUpPair({ f: { clusterName }, g: { clusterName: 'Test Cluster' } });
    const before = { f: snapshotNode(f), g: snapshotNode(g) };

    const refused = await apply(await synthAndInit(pairProps({ clusterName })));
    expect(refused.code).not.toBe(0);
    expect(outcomes(refused)).toEqual([['preflight', 'failed']]);
    expect(refused.reports[0].reason).toContain(
      'lab-g already stored the cluster name "Test Cluster" (nodetool describecluster)',
    );
    expect(refused.reports[0].reason).toContain('name lab-g in allowDataWipeOn');
    expect({ f: snapshotNode(f), g: snapshotNode(g) }).toEqual(before);

    const run = await apply(await synthAndInit(pairProps({ clusterName, allowDataWipeOn: ['lab-g'] })));
    expect(run.code).toBe(0);
    expect(outcomes(run)).toEqual([
      ['preflight', 'ok'],
      ['configure-1-lab-f', 'changed'],
      ['configure-2-lab-g', 'changed'],
      ['verify', 'ok'],
    ]);
    expect(run.reports[2].actions.map((a) => a.outcome)).toEqual(['changed', 'changed', 'changed']);
    const aside = fs
      .readdirSync(hostPath('lab-g', '/var/lib'))
      .filter((n) => n.startsWith('cassandra.cdktf-failover-set-aside-'));
    expect(aside).toHaveLength(1);
    expect(read(g, `/var/lib/${aside[0]}/data/system/cluster_name`)).toBe('Test Cluster\n');
    expect(read(g, '/var/lib/cassandra/data/system/cluster_name')).toBe(`${clusterName}\n`);
    expect(fs.readdirSync(hostPath('lab-f', '/var/lib')).filter((n) => n.includes('set-aside'))).toEqual([]);
    expect(nodetoolOn(f, 'describecluster')).toContain(`\tName: ${clusterName}\n`);
    expectBothUn(f);
    for (const h of [f, g]) expect(exists(h, '/tmp/pwned')).toBe(false);
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });

  it('tests the ports from each node itself: internode TLS on 7001 that nothing listens on fails preflight, naming the port', async () => {
    setUpPair();
    const before = { f: snapshotNode(f), g: snapshotNode(g) };
    const run = await apply(await synthAndInit(pairProps({ tls: { internode: true } })));
    expect(run.code).not.toBe(0);
    expect(outcomes(run)).toEqual([['preflight', 'failed']]);
    expect(run.reports[0].reason).toContain(
      `lab-f cannot reach lab-g at ${g.address}:7001 (internode; tested on lab-f`,
    );
    expect(run.reports[0].reason).toContain(`lab-g cannot reach lab-f at ${f.address}:7001`);
    expect(run.reports[0].reason).not.toContain(':9042');
    expect({ f: snapshotNode(f), g: snapshotNode(g) }).toEqual(before);
  });

  it('verify mode changes no file: it fails on two separate nodes and passes on a formed cluster', async () => {
    setUpPair();
    const before = { f: snapshotNode(f), g: snapshotNode(g) };
    const verifyProps = pairProps({ mode: 'verify', healthTimeoutSeconds: 4 });
    const separate = await apply(await synthAndInit(verifyProps));
    expect(separate.code).not.toBe(0);
    expect(outcomes(separate)).toEqual([
      ['preflight', 'ok'],
      ['verify', 'failed'],
    ]);
    expect(separate.reports[1].reason).toContain(
      `nodetool status on lab-f does not list ${g.address}: the nodes do not form one cluster`,
    );
    expect(separate.reports[1].reason).toContain(`hint: seeds differs in ${CASSANDRA_YAML}`);
    expect({ f: snapshotNode(f), g: snapshotNode(g) }).toEqual(before);

    setUpPair({ f: { seeds: [f.address, g.address] }, g: { seeds: [f.address, g.address] } });
    const formed = { f: snapshotNode(f), g: snapshotNode(g) };
    const healthy = await apply(await synthAndInit(verifyProps));
    expect(healthy.code).toBe(0);
    expect(outcomes(healthy)).toEqual([
      ['preflight', 'ok'],
      ['verify', 'ok'],
    ]);
    expect({ f: snapshotNode(f), g: snapshotNode(g) }).toEqual(formed);
  });
});
