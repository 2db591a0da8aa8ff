/**
 * The runner actions against scripted hosts: a Windows (DataMiner) pair, whose PowerShell the lab
 * cannot run, and a Linux node down with a restart pending. Each fake host answers the commands
 * the actions send, decoded the way the host would receive them.
 */
import type { Action } from '../../src/actions';
import { READ_FILE_PS } from '../../src/dialect/powershell';
import { READ_FILE_SCRIPT } from '../../src/dialect/posix';
import { executeStep } from '../../src/runner/execute-step';
import { CommandExecutor, RemoteHost } from '../../src/runner/remote-host';
import type { ExecOptions, ExecResult } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';
import type { StepSpec } from '../../src/step';
import { FIRST_DATA_FILE_PS, NODETOOL_PS, PORT_CHECK_PS, SERVICE_STATE_PS } from './commands';
import { planCassandraTwoNodeSteps } from './plan';
import { WindowsFixtureExecutor } from '../../test/support/windows-fixture-host';
import { cassandraTwoNodeSchema, CassandraTwoNodeProps } from './props';
import { ActionRegistry } from '../../src/runner/action-registry';
import { CASSANDRA_TWO_NODE_HANDLERS } from './handlers';

interface FakeNode {
  service: 'Running' | 'Stopped' | 'missing';
  release: string;
  status: string;
  describe: string;
  yaml: string;
  /** "address:port" this node can connect to. */
  reaches: Set<string>;
  pending?: boolean;
  dataFile?: string;
}

const result = (code: number, stdout = '', stderr = ''): ExecResult => ({
  code,
  stdout: Buffer.from(stdout),
  stderr: Buffer.from(stderr),
  durationMs: 1,
});

/** A Windows host's PowerShell session: reads the bound variables, answers per script. */
function fakeWindows(n: FakeNode): WindowsFixtureExecutor {
  return new WindowsFixtureExecutor(({ script, vars }) => {
    if (script.endsWith(SERVICE_STATE_PS))
      return n.service === 'missing' ? { code: 4 } : { code: n.service === 'Running' ? 0 : 3 };
    if (script.endsWith(NODETOOL_PS)) {
      if (n.service !== 'Running')
        return { code: 1, stdout: "nodetool: Failed to connect to '127.0.0.1:7199'\r\n" };
      const out = {
        version: `ReleaseVersion: ${n.release}\r\n`,
        status: n.status,
        describecluster: n.describe,
      }[vars.command]!;
      return { stdout: out.replace(/\n/g, '\r\n') };
    }
    if (script.endsWith(PORT_CHECK_PS))
      return n.reaches.has(`${vars.address}:${vars.port}`) ? {} : { code: 124, stdout: 'no answer' };
    if (script.endsWith(FIRST_DATA_FILE_PS)) return { stdout: n.dataFile ?? '' };
    if (script.endsWith(READ_FILE_PS)) {
      if (vars.path.includes('pending'))
        return n.pending ? { stdout: Buffer.from('due').toString('base64') } : { code: 3 };
      return { stdout: Buffer.from(n.yaml).toString('base64') };
    }
    throw new Error(`unexpected script:\n${script}`);
  });
}

/** A Linux host answering the POSIX commands by their program and arguments. */
class FakeLinux implements CommandExecutor {
  constructor(private readonly node: FakeNode) {}

  async exec(command: string, _options: ExecOptions): Promise<ExecResult> {
    const n = this.node;
    const has = (text: string) => command.includes(text);
    if (has("'systemctl' '--no-pager' 'status'"))
      return n.service === 'missing' ? result(4) : result(n.service === 'Running' ? 0 : 3);
    if (has("'nodetool' 'version'"))
      return n.service === 'Running'
        ? result(0, `ReleaseVersion: ${n.release}\n`)
        : result(1, '', 'nodetool: Failed to connect\n');
    if (has("'nodetool' 'describecluster'")) return result(0, n.describe);
    if (has(READ_FILE_SCRIPT)) {
      if (has('/pending/')) return n.pending ? result(0, 'due\n') : result(3);
      return result(0, n.yaml);
    }
    if (has('/dev/tcp/')) {
      const m = /'sh' '([\d.]+)' '(\d+)'/.exec(command) ?? /'bash' '([\d.]+)' '(\d+)'/.exec(command);
      const target = m ? `${m[1]}:${m[2]}` : '';
      return n.reaches.has(target) ? result(0) : result(1, '', 'Connection refused');
    }
    if (has('find "$1" -type f')) return result(0, n.dataFile ?? '');
    throw new Error(`unexpected command: ${command}`);
  }
}

const KEY = `SHA256:${'k'.repeat(43)}`;
const statusOf = (...lines: string[]) =>
  `Datacenter: datacenter1\n=======================\nStatus=Up/Down\n|/ State=Normal/Leaving/Joining/Moving\n--  Address    Load       Tokens  Owns  Host ID                               Rack\n${lines.join('\n')}\n`;
const UN = (a: string) => `UN  ${a}  195.48 MB  256     ?     8c14221d-0870-467c-894a-76ead663e9f1  rack1`;
const describeOf = (name: string, addresses: string[], keyspaces = '') =>
  `Cluster Information:\n\tName: ${name}\n\tSnitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch\n\tDynamicEndPointSnitch: enabled\n\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner\n\tSchema versions:\n\t\tea63e099-37c5-3d7b-9ace-32f4c833653d: [${addresses.join(', ')}]\n\n${keyspaces}`;

function windowsNode(self: string, peer: string, extra: Partial<FakeNode> = {}): FakeNode {
  return {
    service: 'Running',
    release: '3.11.3',
    status: statusOf(UN(self), UN(peer)),
    describe: describeOf('DMS Cluster', [self, peer].sort()),
    yaml: `cluster_name: 'DMS Cluster'\nseed_provider:\n  - class_name: x\n    parameters:\n      - seeds: "${self},${peer}"\n`,
    reaches: new Set([`${peer}:7000`, `${peer}:9042`]),
    ...extra,
  };
}

function hostConfig(name: string, address: string, os: 'linux' | 'windows'): HostConfig {
  return {
    name,
    address,
    port: 22,
    user: 'admin',
    os,
    credentials: { kind: 'agent', socketEnv: 'SSH_AUTH_SOCK' },
    hostKeySha256: KEY,
    acceptUnknownHostKey: false,
    sudo: false,
    connectTimeoutSeconds: 5,
    commandTimeoutSeconds: 60,
    keepBackups: 5,
  };
}

async function runStep(id: string, props: CassandraTwoNodeProps, nodes: Record<string, FakeNode>) {
  const config = cassandraTwoNodeSchema.parse(props);
  const step = planCassandraTwoNodeSteps(config).find((s) => s.id === id)!;
  const spec: StepSpec = {
    specVersion: 1,
    id: step.id,
    description: step.description,
    host: step.host,
    actions: step.actions as Action[],
    when: 'create',
  };
  const executors = new Map<string, CommandExecutor>();
  const connect = async (host: HostConfig) => {
    if (!executors.has(host.name!)) {
      const node = nodes[host.name!];
      executors.set(host.name!, host.os === 'windows' ? fakeWindows(node) : new FakeLinux(node));
    }
    return new RemoteHost(host, executors.get(host.name!)!);
  };
  const report = await executeStep(spec, {
    connect,
    handlers: new ActionRegistry().add('CassandraTwoNode', CASSANDRA_TWO_NODE_HANDLERS),
  });
  return { report, executors };
}

describe('on a DataMiner (Windows) pair', () => {
  const [A, B] = ['10.0.0.31', '10.0.0.32'];
  const props = (extra: Partial<CassandraTwoNodeProps> = {}): CassandraTwoNodeProps => ({
    nodes: [{ host: hostConfig('dma1', A, 'windows') }, { host: hostConfig('dma2', B, 'windows') }],
    healthTimeoutSeconds: 1,
    ...extra,
  });

  it('preflight passes when both services run the same release and each reaches the other on 7000 and 9042', async () => {
    const { report, executors } = await runStep('preflight', props(), {
      dma1: windowsNode(A, B),
      dma2: windowsNode(B, A),
    });
    expect(report.reason).toBeUndefined();
    expect(report.outcome).toBe('ok');
    const sent = (executors.get('dma1') as WindowsFixtureExecutor).received.map((c) => c.script);
    expect(
      sent.some(
        (s) =>
          s.includes("$nodetool = 'C:\\Program Files\\Cassandra\\bin\\nodetool.bat'") &&
          s.includes("$command = 'version'"),
      ),
    ).toBe(true);
    expect(sent.some((s) => s.includes(`$address = '${B}'`) && s.includes("$port = '9042'"))).toBe(true);
  });

  it('preflight names both releases, the node to update first, a missing service and a blocked port, at once', async () => {
    const { report } = await runStep('preflight', props(), {
      dma1: windowsNode(A, B, { release: '3.11.4', reaches: new Set([`${B}:7000`]) }),
      dma2: windowsNode(B, A, { release: '3.11.3' }),
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /^Cassandra preflight found 2 problems; nothing was changed on either node:/,
    );
    expect(report.reason).toContain('dma1 3.11.4, dma2 3.11.3');
    expect(report.reason).toContain('update dma2 (3.11.3) to 3.11.4 first');
    expect(report.reason).toContain(
      `dma1 cannot reach dma2 at ${B}:9042 (CQL; tested on dma1: no answer within 5 s, as when a firewall drops the traffic)`,
    );

    const missing = await runStep('preflight', props(), {
      dma1: windowsNode(A, B),
      dma2: windowsNode(B, A, { service: 'missing' }),
    });
    expect(missing.report.reason).toContain('dma2 has no service "cassandra"');
  });

  it('preflight refuses a stopped service: nodetool needs a running node', async () => {
    const { report } = await runStep('preflight', props(), {
      dma1: windowsNode(A, B, { service: 'Stopped' }),
      dma2: windowsNode(B, A),
    });
    expect(report.reason).toContain(
      'the service "cassandra" is not running on dma1; nodetool needs a running node: start it (Start-Service cassandra)',
    );
  });

  it('verify passes on one healthy cluster and notes keyspaces with replication factor 1', async () => {
    const keyspaces =
      'Keyspaces:\n\tsystem_auth -> Replication class: SimpleStrategy {replication_factor=1}\n\tsldmadb -> Replication class: SimpleStrategy {replication_factor=2}\n';
    const { report } = await runStep('verify', props(), {
      dma1: windowsNode(A, B, { describe: describeOf('DMS Cluster', [A, B], keyspaces) }),
      dma2: windowsNode(B, A),
    });
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toBe(
      'keyspace system_auth has replication factor 1: its data is unavailable while one node is down',
    );
  });

  it('verify fails on two separate clusters, with the cassandra.yaml difference as a hint', async () => {
    const alone = (self: string, peer: string, name: string) =>
      windowsNode(self, peer, {
        status: statusOf(UN(self)),
        describe: describeOf(name, [self]),
        yaml: `cluster_name: '${name}'\nseed_provider:\n  - class_name: x\n    parameters:\n      - seeds: "${self}"\n`,
      });
    const { report } = await runStep('verify', props({ clusterName: 'DMS Cluster' }), {
      dma1: alone(A, B, 'DMS Cluster'),
      dma2: alone(B, A, 'Agent 2'),
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('is not healthy after 1 s');
    expect(report.reason).toContain(`nodetool status on dma1 does not list ${B}`);
    expect(report.reason).toContain('dma2 belongs to cluster "Agent 2", expected "DMS Cluster"');
    expect(report.reason).toContain('the nodes report different cluster names: "DMS Cluster" and "Agent 2"');
    expect(report.reason).toContain(
      `hint: cluster_name differs in C:\\Program Files\\Cassandra\\conf\\cassandra.yaml: dma1 "DMS Cluster", dma2 "Agent 2"`,
    );
    expect(report.reason).toContain(`hint: seeds differs`);
  });
});

describe('on a Linux pair in configure mode', () => {
  const [A, B] = ['10.0.0.21', '10.0.0.22'];
  const yaml = (self: string) =>
    `cluster_name: 'Orders'\nnum_tokens: 256\nseed_provider:\n  - class_name: x\n    parameters:\n      - seeds: "${A},${B}"\nlisten_address: ${self}\nrpc_address: ${self}\nendpoint_snitch: GossipingPropertyFileSnitch\n`;
  const linuxNode = (self: string, peer: string, extra: Partial<FakeNode> = {}): FakeNode => ({
    service: 'Running',
    release: '3.11.4',
    status: statusOf(UN(A), UN(B)),
    describe: describeOf('Orders', [A, B]),
    yaml: yaml(self),
    reaches: new Set([`${peer}:7000`, `${peer}:9042`]),
    ...extra,
  });
  const props = (extra: Partial<CassandraTwoNodeProps> = {}): CassandraTwoNodeProps => ({
    nodes: [{ host: hostConfig('cas1', A, 'linux') }, { host: hostConfig('cas2', B, 'linux') }],
    clusterName: 'Orders',
    healthTimeoutSeconds: 30,
    ...extra,
  });

  it('lets a node down with its restart still pending through, and tests its ports after configuration', async () => {
    const { report } = await runStep('preflight', props(), {
      cas1: linuxNode(A, B, {
        service: 'Stopped',
        pending: true,
        dataFile: '/var/lib/cassandra/data/system/x.db',
      }),
      cas2: linuxNode(B, A, { reaches: new Set() }),
    });
    expect(report.reason).toBeUndefined();
    expect(report.actions[0].detail).toContain(
      'cas1 is down with a restart still pending from an earlier deploy',
    );
    expect(report.actions[0].detail).toContain(`cas2 → ${A}:7000 tested after configuration`);
  });

  it('refuses a num_tokens change on a node that holds data, naming the file found', async () => {
    const { report } = await runStep('preflight', props({ numTokens: 16 }), {
      cas1: linuxNode(A, B, { dataFile: '/var/lib/cassandra/data/system/local.db' }),
      cas2: linuxNode(B, A),
    });
    expect(report.reason).toContain(
      'numTokens 16 differs from num_tokens 256 on cas1, which already holds data (/var/lib/cassandra/data/system/local.db)',
    );
    expect(report.reason).not.toContain('on cas2,');
  });

  it('reports a stored cluster name collision, and lets it pass when allowDataWipeOn names the node', async () => {
    const nodes = () => ({
      cas1: linuxNode(A, B),
      cas2: linuxNode(B, A, { describe: describeOf('Test Cluster', [B]) }),
    });
    const refused = await runStep('preflight', props(), nodes());
    expect(refused.report.reason).toContain(
      'cas2 already stored the cluster name "Test Cluster" (nodetool describecluster), but clusterName is "Orders"',
    );
    const allowed = await runStep('preflight', props({ allowDataWipeOn: ['cas2'] }), nodes());
    expect(allowed.report.outcome).toBe('ok');
    expect(allowed.report.actions[0].detail).toContain(
      'cas2 stored cluster name "Test Cluster" (nodetool describecluster); its data will be set aside',
    );
  });
});

test('a Windows command past its timeout: stopped with every process it started, and said so', async () => {
  const timedOut: CommandExecutor = {
    exec: () => Promise.reject(new Error('no channel of its own')),
    agent: async () => ({
      batch: async (requests) =>
        requests.map(() => ({
          status: 'timeout' as const,
          stdout: Buffer.alloc(0),
          stderr: Buffer.alloc(0),
        })),
    }),
  };
  const host = new RemoteHost(
    { ...hostConfig('dma1', '10.0.0.31', 'windows'), commandTimeoutSeconds: 5 },
    timedOut,
  );
  await expect(host.run({ powershell: 'Start-Sleep 60' })).rejects.toThrow(
    'dma1: a remote command did not finish within 5 s; it was stopped, with every process it started.',
  );
});
