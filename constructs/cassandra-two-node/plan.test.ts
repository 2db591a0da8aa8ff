import { upstreamDigests } from '../../src/engine/step-resources';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct } from 'constructs';
import type { CommandAction, ConfigAction } from '../../src/actions';
import { App, TerraformStack } from '../../src/cdktf';
import { getYamlValue, setYamlValues } from '../../src/edit/yaml';
import { SshCredentials } from '../../src/schema/host';
import { orderSteps } from '../../src/step';
import { parseProps } from '../../src/validate';
import type { PreflightAction, SetDataAsideAction } from './actions';
import { ownedSettings, planCassandraTwoNodeSteps, restartMarker } from './plan';
import { cassandraTwoNodeSchema, CassandraTwoNodeProps } from './props';

const DEFAULT_YAML = fs.readFileSync(
  path.join(__dirname, '../../test/lab/emulators/cassandra/cassandra.yaml'),
  'utf8',
);
const KEY = 'SHA256:GXu3GpfM2HjVASq4FMUwhW6ef4/jQltYNAsoPhWvs+A';

const props = (extra: Partial<CassandraTwoNodeProps> = {}): CassandraTwoNodeProps => ({
  nodes: [
    {
      host: {
        name: 'cas1',
        address: '10.0.0.1',
        user: 'root',
        hostKeySha256: KEY,
        credentials: SshCredentials.agent(),
      },
    },
    {
      host: {
        name: 'cas2',
        address: '10.0.0.2',
        user: 'root',
        hostKeySha256: KEY,
        credentials: SshCredentials.agent(),
      },
    },
  ],
  clusterName: 'Lab Cluster',
  ...extra,
});

function config(extra: Partial<CassandraTwoNodeProps> = {}) {
  const stack = new TerraformStack(new App() as Construct, 's');
  return parseProps(new Construct(stack, 'C'), cassandraTwoNodeSchema, props(extra));
}

describe('planCassandraTwoNodeSteps', () => {
  it('configure mode: preflight, first node, second node, verify, in that order', () => {
    const steps = planCassandraTwoNodeSteps(config());
    expect(steps.map((s) => [s.id, s.host.name, s.after])).toEqual([
      ['preflight', 'cas1', []],
      ['configure-1-cas1', 'cas1', ['preflight']],
      ['configure-2-cas2', 'cas2', ['configure-1-cas1']],
      ['verify', 'cas1', ['configure-2-cas2']],
    ]);
    expect(orderSteps(steps).map((s) => s.id)).toEqual(steps.map((s) => s.id));
  });

  it('each configure step edits cassandra.yaml, notifying a restart that waits for UN', () => {
    const [, first] = planCassandraTwoNodeSteps(config({ healthTimeoutSeconds: 90 }));
    const [edit, restart] = first.actions as [ConfigAction, CommandAction];
    expect(edit).toMatchObject({
      kind: 'config',
      format: 'yaml',
      path: '/etc/cassandra/cassandra.yaml',
      notifies: 'restart-cassandra',
    });
    expect(restart.whenNotified).toBe('restart-cassandra');
    expect(restart.run).toEqual({ argv: ['systemctl', 'restart', '--', 'cassandra'] });
    expect(restart.check).toBeUndefined();
    expect('argv' in restart.verify! && restart.verify.argv.slice(-3)).toEqual([
      'nodetool',
      '10.0.0.1',
      '90',
    ]);
  });

  it('owns exactly the keys that form the cluster, the same seeds on both nodes', () => {
    const c = config({ numTokens: 16 });
    expect(ownedSettings(c, c.nodes[0])).toEqual([
      { key: 'cluster_name', value: 'Lab Cluster' },
      { key: 'seed_provider[0].parameters[0].seeds', value: '10.0.0.1,10.0.0.2' },
      { key: 'listen_address', value: '10.0.0.1' },
      { key: 'rpc_address', value: '10.0.0.1' },
      { key: 'endpoint_snitch', value: 'GossipingPropertyFileSnitch' },
      { key: 'num_tokens', value: 16 },
    ]);
    const seeds = c.nodes.map(
      (n) => ownedSettings(c, n).find((s) => s.key.startsWith('seed_provider'))!.value,
    );
    expect(seeds[0]).toBe(seeds[1]);
  });

  it('sets broadcast_rpc_address only when given', () => {
    const base = props();
    const c = config({
      nodes: [{ ...base.nodes[0], rpcAddress: '0.0.0.0', broadcastRpcAddress: '10.0.0.1' }, base.nodes[1]],
    });
    expect(ownedSettings(c, c.nodes[0])).toContainEqual({ key: 'broadcast_rpc_address', value: '10.0.0.1' });
    expect(ownedSettings(c, c.nodes[1]).map((s) => s.key)).not.toContain('broadcast_rpc_address');
  });

  it('sets data aside first, only on the nodes allowDataWipeOn names', () => {
    const steps = planCassandraTwoNodeSteps(config({ allowDataWipeOn: ['cas2'] }));
    expect(steps[1].actions.map((a) => a.kind)).toEqual(['config', 'command']);
    const aside = steps[2].actions[0] as SetDataAsideAction;
    expect(aside).toMatchObject({
      kind: 'cassandra-two-node.set-data-aside',
      clusterName: 'Lab Cluster',
      notifies: 'restart-cassandra',
    });
    expect((steps[0].actions[0] as PreflightAction).nodes.map((n) => n.dataWipeAllowed)).toEqual([
      false,
      true,
    ]);
  });

  it('preflight carries both nodes, their edits, the pin and the restart marker', () => {
    const [preflight] = planCassandraTwoNodeSteps(
      config({ expectedReleaseVersion: '3.11.4', numTokens: 16 }),
    );
    const action = preflight.actions[0] as PreflightAction;
    expect(action.kind).toBe('cassandra-two-node.preflight');
    expect(action.nodes.map((n) => [n.name, n.listenAddress, n.clientAddress])).toEqual([
      ['cas1', '10.0.0.1', '10.0.0.1'],
      ['cas2', '10.0.0.2', '10.0.0.2'],
    ]);
    expect(action.nodes[1].settings).toContainEqual({ key: 'listen_address', value: '10.0.0.2' });
    expect(action).toMatchObject({
      expectedReleaseVersion: '3.11.4',
      numTokens: 16,
      restartMarker: 'restart-cassandra',
      ports: { internode: 7000, client: 9042 },
    });
  });

  it('verify mode: preflight then verify, no edit anywhere', () => {
    const steps = planCassandraTwoNodeSteps(config({ mode: 'verify' }));
    expect(steps.map((s) => [s.id, s.after])).toEqual([
      ['preflight', []],
      ['verify', ['preflight']],
    ]);
    expect(steps.flatMap((s) => s.actions).map((a) => a.kind)).toEqual([
      'cassandra-two-node.preflight',
      'cassandra-two-node.verify-cluster',
    ]);
    expect((steps[0].actions[0] as PreflightAction).nodes.every((n) => n.settings.length === 0)).toBe(true);
  });

  it('preflight mode: the preflight step alone', () => {
    expect(
      planCassandraTwoNodeSteps(config({ mode: 'preflight', clusterName: undefined })).map((s) => s.id),
    ).toEqual(['preflight']);
  });

  it('verification re-runs whenever a step before it changes, preflight whenever any step does', () => {
    const digests = (extra: Partial<CassandraTwoNodeProps>) =>
      upstreamDigests(orderSteps(planCassandraTwoNodeSteps(config(extra))));
    expect(digests({}).get('verify')).toBe(digests({}).get('verify'));
    expect(digests({ endpointSnitch: 'SimpleSnitch' }).get('verify')).not.toBe(digests({}).get('verify'));
    expect(digests({ endpointSnitch: 'SimpleSnitch' }).get('preflight')).not.toBe(
      digests({}).get('preflight'),
    );
  });

  it('names the restart marker after the service', () => {
    expect(restartMarker('cassandra')).toBe('restart-cassandra');
    expect(restartMarker('Cassandra@Main')).toBe('restart-cassandra-main');
  });

  it('gives step ids Terraform accepts for any host name', () => {
    const base = props();
    const c = config({
      nodes: [
        { host: { ...base.nodes[0].host, name: 'DB_Node.1' } },
        { host: { ...base.nodes[1].host, name: undefined } },
      ],
    });
    expect(planCassandraTwoNodeSteps(c).map((s) => s.id)).toEqual([
      'preflight',
      'configure-1-db-node-1',
      'configure-2-10-0-0-2',
      'verify',
    ]);
  });
});

describe('the cassandra.yaml edit', () => {
  const c = config({ numTokens: 256 });
  const edited = setYamlValues(DEFAULT_YAML, ownedSettings(c, c.nodes[0]));

  it('sets every owned key', () => {
    expect(getYamlValue(edited, 'cluster_name')).toBe('Lab Cluster');
    expect(getYamlValue(edited, 'seed_provider[0].parameters[0].seeds')).toBe('10.0.0.1,10.0.0.2');
    expect(getYamlValue(edited, 'listen_address')).toBe('10.0.0.1');
    expect(getYamlValue(edited, 'rpc_address')).toBe('10.0.0.1');
    expect(getYamlValue(edited, 'endpoint_snitch')).toBe('GossipingPropertyFileSnitch');
  });

  it('keeps every other line, comments and unknown keys included, byte for byte', () => {
    const owned = (line: string) =>
      /^(cluster_name|listen_address|rpc_address|endpoint_snitch):|^\s+- seeds:/.test(line);
    const changed = (text: string) => text.split('\n').filter(owned);
    const others = (text: string) => text.split('\n').filter((l) => !owned(l));
    expect(others(edited)).toEqual(others(DEFAULT_YAML));
    expect(changed(edited)).toEqual([
      "cluster_name: 'Lab Cluster'",
      '          - seeds: "10.0.0.1,10.0.0.2"',
      'listen_address: 10.0.0.1',
      'rpc_address: 10.0.0.1',
      'endpoint_snitch: GossipingPropertyFileSnitch',
    ]);
    expect(edited).toContain('# broadcast_rpc_address: 1.2.3.4');
    expect(edited).toContain('    internode_encryption: none');
  });

  it('changes nothing the second time', () => {
    expect(setYamlValues(edited, ownedSettings(c, c.nodes[0]))).toBe(edited);
  });

  it('adds broadcast_rpc_address below the file when it was only a comment', () => {
    const base = props();
    const wild = config({
      nodes: [{ ...base.nodes[0], rpcAddress: '0.0.0.0', broadcastRpcAddress: '10.0.0.1' }, base.nodes[1]],
    });
    const text = setYamlValues(DEFAULT_YAML, ownedSettings(wild, wild.nodes[0]));
    expect(getYamlValue(text, 'broadcast_rpc_address')).toBe('10.0.0.1');
    expect(getYamlValue(text, 'rpc_address')).toBe('0.0.0.0');
    expect(text.startsWith(DEFAULT_YAML.slice(0, DEFAULT_YAML.indexOf('cluster_name')))).toBe(true);
  });

  it('keeps a cluster name with quotes and a colon as a string', () => {
    const odd = config({ clusterName: "Ops: it's #1" });
    const text = setYamlValues(DEFAULT_YAML, ownedSettings(odd, odd.nodes[0]));
    expect(getYamlValue(text, 'cluster_name')).toBe("Ops: it's #1");
  });
});
