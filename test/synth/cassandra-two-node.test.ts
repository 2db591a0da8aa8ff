import { warningsUnder } from '../support/warnings';
import { engineCases } from '../support/engine-cases';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataResource, Testing, TerraformStack, Token } from '../../src/cdktf';
import {
  CassandraTwoNode,
  CassandraTwoNodeProps,
  NfsSharedDir,
  SshCredentials,
  ValidationError,
} from '../../index';
import { ENGINE_CONTEXT_KEY } from '../../src/engine/step-resources';
import { addCassandraExamples } from '../../examples/cassandra-two-node-example';
import { synthStack } from '../support/terraform';

const KEY = `SHA256:${'k'.repeat(43)}`;
const SECRET = 'cassandra-deploy-key-material-0815';
process.env.DEPLOY_SSH_KEY = SECRET;
const host = (name: string, address: string, os: 'linux' | 'windows' = 'linux') => ({
  name,
  address,
  os,
  user: 'deploy',
  hostKeySha256: KEY,
  credentials: SshCredentials.privateKeyEnv('DEPLOY_SSH_KEY'),
});

const linuxProps = (extra: Partial<CassandraTwoNodeProps> = {}): CassandraTwoNodeProps => ({
  nodes: [{ host: host('cas1', '10.0.0.21') }, { host: host('cas2', '10.0.0.22') }],
  clusterName: 'Orders ${env} %{x}',
  ...extra,
});

function synthJson(engine: 'null_resource' | 'terraform_data', build: (s: TerraformStack) => unknown) {
  const app = Testing.app({ context: { [ENGINE_CONTEXT_KEY]: engine } });
  const stack = new TerraformStack(app, 'test');
  build(stack);
  return { json: JSON.parse(Testing.synth(stack)), stack };
}

/** Resources of the construct by step id. */
function steps(json: any, engine: string): Record<string, any> {
  const found: Record<string, any> = {};
  for (const [name, resource] of Object.entries(json.resource?.[engine] ?? {})) {
    const m = /^Cassandra_Steps_(.+)_[0-9A-F]{8}$/.exec(name);
    if (m) found[m[1]] = resource;
  }
  return found;
}

const specOf = (resource: any, key: string) =>
  JSON.parse(resource[key].spec.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));

describe.each(
  engineCases([
    ['null_resource', 'triggers'],
    ['terraform_data', 'triggers_replace'],
  ] as const),
)('CassandraTwoNode on the %s engine', (engine, triggerKey) => {
  const { json } = synthJson(engine, (s) => new CassandraTwoNode(s, 'Cassandra', linuxProps()));
  const byId = steps(json, engine);
  const ref = (id: string) =>
    expect.stringMatching(new RegExp(`^${engine}\\.Cassandra_Steps_${id}_[0-9A-F]{8}$`));

  it('emits one resource per step: preflight, a configure step per node, verify', () => {
    expect(Object.keys(byId).sort()).toEqual(['configure-1-cas1', 'configure-2-cas2', 'preflight', 'verify']);
  });

  it('orders them preflight → first node → second node → verify', () => {
    expect(byId.preflight.depends_on).toBeUndefined();
    expect(byId['configure-1-cas1'].depends_on).toEqual([ref('preflight')]);
    expect(byId['configure-2-cas2'].depends_on).toEqual([ref('configure-1-cas1')]);
    expect(byId.verify.depends_on).toEqual([ref('configure-2-cas2')]);
  });

  it('carries the cassandra.yaml keys, the restart marker and the health gate in the specs', () => {
    const second = specOf(byId['configure-2-cas2'], triggerKey);
    expect(second.host).toMatchObject({ name: 'cas2', address: '10.0.0.22' });
    expect(second.actions[0].settings).toContainEqual({
      key: 'seed_provider[0].parameters[0].seeds',
      value: '10.0.0.21,10.0.0.22',
    });
    expect(second.actions[0].settings).toContainEqual({ key: 'cluster_name', value: 'Orders ${env} %{x}' });
    expect(second.actions[1]).toMatchObject({ kind: 'command', whenNotified: 'restart-cassandra' });
    const preflight = specOf(byId.preflight, triggerKey);
    expect(preflight.actions[0].kind).toBe('cassandra-two-node.preflight');
    expect(preflight.actions[0].nodes.map((n: any) => n.host.name)).toEqual(['cas1', 'cas2']);
  });

  it('keeps ${...} in a cluster name literal for Terraform', () => {
    expect(byId['configure-1-cas1'][triggerKey].spec).toContain('Orders $${env} %%{x}');
  });

  it('holds no secret, only the reference to it', () => {
    expect(specOf(byId.preflight, triggerKey).host.credentials).toEqual({
      kind: 'privateKeyEnv',
      env: 'DEPLOY_SSH_KEY',
    });
    expect(JSON.stringify(json)).not.toContain(SECRET);
  });
});

describe('modes and attributes', () => {
  it('verify mode on a DataMiner pair: preflight and verify only, with Windows commands', () => {
    const { json } = synthJson(
      'terraform_data',
      (s) =>
        new CassandraTwoNode(s, 'Cassandra', {
          nodes: [
            { host: host('dma1', '10.0.0.31', 'windows') },
            { host: host('dma2', '10.0.0.32', 'windows') },
          ],
        }),
    );
    const byId = steps(json, 'terraform_data');
    expect(Object.keys(byId).sort()).toEqual(['preflight', 'verify']);
    const verify = specOf(byId.verify, 'triggers_replace');
    expect(verify.actions[0].locations.nodetoolPath).toBe('C:\\Program Files\\Cassandra\\bin\\nodetool.bat');
    expect(verify.host.os).toBe('windows');
  });

  it('exposes contact points, cluster name and ports', () => {
    const { stack } = synthJson('terraform_data', () => undefined);
    const pair = new CassandraTwoNode(stack, 'Cassandra', linuxProps({ tls: { client: true } }));
    expect(pair.contactPoints).toEqual(['10.0.0.21', '10.0.0.22']);
    expect(pair.listenAddresses).toEqual(['10.0.0.21', '10.0.0.22']);
    expect(pair.clusterName).toBe('Orders ${env} %{x}');
    expect(pair.ports).toEqual({ internode: 7000, client: 9142 });
  });

  it('warns about the two-node arithmetic without changing anything', () => {
    const { stack } = synthJson('terraform_data', () => undefined);
    new CassandraTwoNode(stack, 'Cassandra', linuxProps());
    const warnings = warningsUnder(stack);
    expect(warnings).toEqual([
      expect.stringMatching(/QUORUM with replication factor 2 needs both nodes.*ONE or LOCAL_ONE/),
      expect.stringMatching(
        /system_auth has replication factor 1 by default.*raise system_auth to replication factor 2 and run a repair/,
      ),
    ]);
  });

  it('passes a Token address through to the runner', () => {
    const { json } = synthJson('terraform_data', (s) => {
      const vm = new DataResource(s, 'vm', { input: { ip: '10.0.0.99' } });
      const address = Token.asString(vm.getStringAttribute('output'));
      const props = linuxProps();
      new CassandraTwoNode(s, 'Cassandra', {
        ...props,
        nodes: [props.nodes[0], { host: { ...props.nodes[1].host, address } }],
      });
    });
    expect(steps(json, 'terraform_data')['configure-2-cas2'].triggers_replace.spec).toContain(
      '{"key":"listen_address","value":"${terraform_data.vm.output}"}',
    );
  });

  it('rejects bad props at synth with one error naming every construct that has problems', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    new CassandraTwoNode(stack, 'Bad', { nodes: [{ host: host('cas1', '10.0.0.21') }] });
    new NfsSharedDir(stack, 'AlsoBad', {
      existingExport: 'nas:/export',
      mountPath: 'relative/path',
      clients: [host('da1', '10.0.0.11')],
      owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
    });
    new CassandraTwoNode(stack, 'Bad2', { nodes: [{ host: host('cas1', '10.0.0.21') }] });
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems;
    expect([...new Set(problems.map((p) => p.constructPath))]).toEqual([
      'test/Bad',
      'test/AlsoBad',
      'test/Bad2',
    ]);
    expect((error as Error).message).toMatch(
      /test\/Bad2:\n\s+- nodes: received .*expected exactly two nodes/,
    );
    expect((error as Error).message).toMatch(/test\/AlsoBad:\n\s+- mountPath: received "relative\/path"/);
  });
});

const afterAllRemove: string[] = [];
afterAll(() => afterAllRemove.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('the example stacks', () => {
  it('synthesize, and terraform validate accepts them', () => {
    const dir = synthStack((s) => addCassandraExamples(s), { engine: 'terraform_data' });
    afterAllRemove.push(path.dirname(path.dirname(dir)));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
    const names = Object.keys(config.resource.terraform_data);
    expect(names.filter((n) => n.startsWith('LinuxCassandra_'))).toHaveLength(4);
    expect(names.filter((n) => n.startsWith('DataMinerCassandra_'))).toHaveLength(2);
    execFileSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
      cwd: dir,
      stdio: 'pipe',
    });
    expect(execFileSync('terraform', ['validate', '-no-color'], { cwd: dir, encoding: 'utf8' })).toContain(
      'Success!',
    );
  });
});
