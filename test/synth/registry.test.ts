import { App, TerraformStack } from '../../src/cdktf';
import { ActionRegistry } from '../../src/runner/action-registry';
import { BUILTIN_ACTIONS } from '../../src/runner/builtin-actions';
import type { Step } from '../../src/step';
import { CassandraTwoNode, HostSteps, NfsSharedDir, SshCredentials } from '../../index';
import { runnerRegistry } from '../../registry';
import { addCassandraExamples } from '../../examples/cassandra-two-node-example';
import { addDataAggregatorSharedDir } from '../../examples/nfs-shared-dir-example';
import { addFaultTolerantAggregator } from '../../examples/fault-tolerant-aggregator-example';
import { addDataMinerPairs } from '../../examples/dataminer-failover-example';

/** Every construct, with props that make its plan emit every kind it has (destroy-time steps too). */
function everyPlan(): Step[] {
  const stack = new TerraformStack(new App(), 'kinds');
  const { linux, dataMiner } = addCassandraExamples(stack);
  const shared = addDataAggregatorSharedDir(stack);
  const netOps = addFaultTolerantAggregator(stack);
  const { pairs } = addDataMinerPairs(stack);
  const host = {
    name: 'h1',
    address: '10.0.0.1',
    user: 'u',
    hostKeySha256: `SHA256:${'k'.repeat(43)}`,
    credentials: SshCredentials.agent(),
  };
  const wiping = new CassandraTwoNode(stack, 'Wiping', {
    nodes: [{ host: { ...host, name: 'cas1' } }, { host: { ...host, name: 'cas2', address: '10.0.0.2' } }],
    platform: 'linux',
    mode: 'configure',
    clusterName: 'Orders',
    allowDataWipeOn: ['cas2'],
  });
  const unmounting = new NfsSharedDir(stack, 'Unmounting', {
    existingExport: 'nas:/export/da',
    mountPath: '/DASharedRepo',
    clients: [host, { ...host, name: 'h2', address: '10.0.0.2' }],
    owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
    removalPolicy: 'unmount',
  });
  const generic = new HostSteps(stack, 'Generic', {
    steps: [
      {
        id: 'all-built-in',
        description: 'every built-in kind',
        host,
        actions: [
          { kind: 'file', path: '/etc/a', content: 'a' },
          { kind: 'config', format: 'ini', path: '/etc/b.ini', settings: [{ key: 'k', value: 'v' }] },
          { kind: 'line', path: '/etc/hosts', line: '10.0.0.2 peer' },
          { kind: 'command', description: 'c', run: { argv: ['true'] } },
        ],
      },
    ],
  });
  return [linux, dataMiner, shared, netOps, ...pairs, wiping, unmounting, generic].flatMap((c) => [
    ...c.steps,
  ]);
}

test('every action kind any plan emits has a handler in the runner', () => {
  const registry = runnerRegistry();
  const emitted = [...new Set(everyPlan().flatMap((s) => s.actions.map((a) => a.kind)))].sort();
  expect(emitted.filter((kind) => registry.handlerFor(kind) === undefined)).toEqual([]);
  // Each construct kind is emitted by some plan: no handler is dead code.
  expect([...registry.kinds].sort()).toEqual(emitted);
});

test('a kind registered twice throws when the runner is assembled', () => {
  expect(() => new ActionRegistry().add('built-in', BUILTIN_ACTIONS).add('again', BUILTIN_ACTIONS)).toThrow(
    'again: the action kind "file" already has a handler',
  );
});
