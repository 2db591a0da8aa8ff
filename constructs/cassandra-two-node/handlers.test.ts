/**
 * The runner actions against scripted hosts: a Windows (DataMiner) pair, whose PowerShell the lab
 * cannot run, and a Linux node down with a restart pending, through the step executor; then each
 * handler fed directly with fixture hosts (facts in, commands or a no-op reason or a failure out).
 * Each fake host answers the commands the actions send, decoded the way the host would receive them.
 */
import type { Action } from '../../src/actions';
import { READ_FILE_PS } from '../../src/dialect/powershell';
import { READ_FILE_SCRIPT } from '../../src/dialect/posix';
import type { ActionContext } from '../../src/runner/action-handler';
import { fixtureHost, ReceivedCommand } from '../../test/support/fixture-host';
import {
  PREFLIGHT_KIND,
  PreflightAction,
  SET_DATA_ASIDE_KIND,
  SetDataAsideAction,
  VERIFY_CLUSTER_KIND,
  VerifyClusterAction,
} from './actions';
import { executeStep } from '../../src/runner/execute-step';
import { CommandExecutor, RemoteHost } from '../../src/runner/remote-host';
import type { ExecOptions, ExecResult } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';
import type { StepSpec } from '../../src/step';
import {
  FIRST_DATA_FILE_PS,
  FIRST_DATA_FILE_SCRIPT,
  NODETOOL_PS,
  PORT_CHECK_PS,
  PORT_CHECK_SCRIPT,
  SERVICE_STATE_PS,
  SET_ASIDE_SCRIPT,
} from './commands';
import { planCassandraTwoNodeSteps } from './plan';
import { WindowsFixtureExecutor, windowsFixtureHost } from '../../test/support/windows-fixture-host';
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

// --- fixture hosts fed to each handler directly: facts in, commands or a no-op reason out -------

/** A Linux Cassandra node as the set-aside, preflight and verification read it. */
interface LinuxNode {
  service: 'running' | 'stopped' | 'missing';
  /** The cluster name it stored (what describecluster reports while it runs). */
  stored: string;
  /** cluster_name in its cassandra.yaml. */
  configured: string;
  data: boolean;
  /** How the set-aside script ends; by default it moves the data. */
  setAside?: { code: number; stderr: string };
  /** The data directory fills again after the move (a service that restarted). */
  refills?: boolean;
  describeFails?: boolean;
}

const DATA_FILE = '/var/lib/cassandra/data/system/local-7ad54392bcdd35a684174e047860b377/nb-1-big-Data.db';
const NODETOOL_DOWN =
  "nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused'.";

function linuxNode(config: HostConfig, node: LinuxNode, peers: readonly string[] = []) {
  return fixtureHost(config, ({ argv }: ReceivedCommand) => {
    const line = argv.join(' ');
    if (line === 'systemctl --no-pager status -- cassandra')
      return { code: { running: 0, stopped: 3, missing: 4 }[node.service] };
    if (argv[0] === 'nodetool') {
      if (node.service !== 'running' || (argv[1] === 'describecluster' && node.describeFails))
        return { code: 1, stderr: NODETOOL_DOWN };
      const addresses = [config.address, ...peers].sort();
      return {
        stdout: {
          version: 'ReleaseVersion: 4.1.5\n',
          describecluster: describeOf(node.stored, addresses),
          status: statusOf(...addresses.map(UN)),
        }[argv[1]],
      };
    }
    if (argv[2] === FIRST_DATA_FILE_SCRIPT) return { stdout: node.data ? `${DATA_FILE}\n` : '' };
    if (argv[2] === READ_FILE_SCRIPT && argv[4] === '/etc/cassandra/cassandra.yaml')
      return {
        stdout: `cluster_name: '${node.configured}'\nnum_tokens: 16\nseed_provider:\n  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n    parameters:\n      - seeds: "127.0.0.1"\nlisten_address: ${config.address}\nrpc_address: ${config.address}\n`,
      };
    if (argv[2] === READ_FILE_SCRIPT && argv[4].includes('/pending/')) return { code: 3 };
    if (argv[2] === PORT_CHECK_SCRIPT) return {};
    if (line === 'systemctl stop -- cassandra') return ((node.service = 'stopped'), {});
    if (argv[2] === SET_ASIDE_SCRIPT) {
      if (node.setAside) return node.setAside;
      node.data = node.refills ?? false;
      return { stdout: `${argv[4]}${argv[5]}\n` };
    }
    throw new Error(`unexpected command: ${line}`);
  });
}

const CAS1 = hostConfig('cas1', '10.0.0.21', 'linux');
const CAS2 = hostConfig('cas2', '10.0.0.22', 'linux');
const linuxProps = (extra: Partial<CassandraTwoNodeProps> = {}): CassandraTwoNodeProps => ({
  nodes: [{ host: CAS1 }, { host: CAS2 }],
  clusterName: 'Orders',
  allowDataWipeOn: ['cas2'],
  healthTimeoutSeconds: 30,
  ...extra,
});

/** The action of this kind the plan gives the step `id`. */
function plannedAction<A extends Action>(props: CassandraTwoNodeProps, id: string, kind: string): A {
  const step = planCassandraTwoNodeSteps(cassandraTwoNodeSchema.parse(props)).find((s) => s.id === id)!;
  return step.actions.find((a) => a.kind === kind) as A;
}

function handlerContext(host: RemoteHost, checkOnly = false, hosts: Record<string, RemoteHost> = {}) {
  const notified: string[] = [];
  const context: ActionContext = {
    host,
    connect: async (h) => hosts[h.name!],
    checkOnly,
    aboutToChange: async () => void notified.push('aboutToChange'),
  };
  return { context, notified };
}

const READS = [
  'systemctl --no-pager status -- cassandra',
  'nodetool describecluster',
  `sh -c ${FIRST_DATA_FILE_SCRIPT} sh /var/lib/cassandra`,
  `sh -c ${READ_FILE_SCRIPT} sh /etc/cassandra/cassandra.yaml`,
];
const SET_ASIDE_SUFFIX = /^\.cdktf-failover-set-aside-\d{8}T\d{9}Z$/;

describe('set data aside', () => {
  const action = plannedAction<SetDataAsideAction>(linuxProps(), 'configure-2-cas2', SET_DATA_ASIDE_KIND);
  const setDataAside = CASSANDRA_TWO_NODE_HANDLERS[SET_DATA_ASIDE_KIND];
  const sent = (executor: { received: ReceivedCommand[] }) => executor.received.map((c) => c.argv.join(' '));

  it('the node stored the wanted name, or none: no change, the facts read in one round trip', async () => {
    const same = linuxNode(CAS2, { service: 'running', stored: 'Orders', configured: 'Orders', data: true });
    await expect(setDataAside(action, handlerContext(same.host).context)).resolves.toEqual({
      changed: false,
      detail: 'the stored cluster name is "Orders" (nodetool describecluster)',
    });
    expect(sent(same.executor)).toEqual(READS);
    expect(same.traffic.roundTrips).toBe(1);
    const empty = linuxNode(CAS2, {
      service: 'stopped',
      stored: 'x',
      configured: 'Test Cluster',
      data: false,
    });
    await expect(setDataAside(action, handlerContext(empty.host).context)).resolves.toEqual({
      changed: false,
      detail: 'no cluster name stored (no data in /var/lib/cassandra)',
    });
  });

  it('a running node of another cluster: the restart recorded, the service stopped, the data moved beside, verified', async () => {
    const node: LinuxNode = {
      service: 'running',
      stored: 'Test Cluster',
      configured: 'Test Cluster',
      data: true,
    };
    const { host, executor } = linuxNode(CAS2, node);
    const { context, notified } = handlerContext(host);
    const result = await setDataAside(action, context);
    expect(notified).toEqual(['aboutToChange']);
    const [stop, move] = executor.received.slice(4, 6).map((c) => c.argv);
    expect(stop).toEqual(['systemctl', 'stop', '--', 'cassandra']);
    expect(move.slice(0, 5)).toEqual(['sh', '-c', SET_ASIDE_SCRIPT, 'sh', '/var/lib/cassandra']);
    expect(move[5]).toMatch(SET_ASIDE_SUFFIX);
    expect(sent(executor).slice(6)).toEqual(READS);
    expect(result).toEqual({
      changed: true,
      detail: `data of cluster "Test Cluster" moved to /var/lib/cassandra${move[5]}`,
    });
  });

  it('a stopped node that holds data of another cluster: moved without a stop', async () => {
    const { host, executor } = linuxNode(CAS2, {
      service: 'stopped',
      stored: 'Test Cluster',
      configured: 'Test Cluster',
      data: true,
    });
    await expect(setDataAside(action, handlerContext(host).context)).resolves.toMatchObject({
      changed: true,
      detail: expect.stringMatching(
        /^data of cluster "Test Cluster" moved to \/var\/lib\/cassandra\.cdktf-failover-set-aside-/,
      ),
    });
    expect(executor.received.map((c) => c.argv[0] === 'systemctl' && c.argv[1] === 'stop')).not.toContain(
      true,
    );
  });

  it('check mode says what would be set aside and changes nothing', async () => {
    const { host, executor } = linuxNode(CAS2, {
      service: 'running',
      stored: 'Test Cluster',
      configured: 'Test Cluster',
      data: true,
    });
    const { context, notified } = handlerContext(host, true);
    await expect(setDataAside(action, context)).resolves.toEqual({
      changed: true,
      detail: 'would set /var/lib/cassandra aside (stored cluster name "Test Cluster")',
    });
    expect(sent(executor)).toEqual(READS);
    expect(notified).toEqual([]);
  });

  it('refuses without changing anything: no service, an unreadable stored name, a Windows host', async () => {
    const missing = linuxNode(CAS2, { service: 'missing', stored: '', configured: 'x', data: true });
    await expect(setDataAside(action, handlerContext(missing.host).context)).rejects.toThrow(
      'cas2 has no service "cassandra"',
    );
    expect(sent(missing.executor)).toEqual(READS);
    const mute = linuxNode(CAS2, {
      service: 'running',
      stored: 'Test Cluster',
      configured: 'Test Cluster',
      data: true,
      describeFails: true,
    });
    await expect(setDataAside(action, handlerContext(mute.host).context)).rejects.toThrow(
      `nodetool describecluster on cas2 failed (exit 1): ${NODETOOL_DOWN}. The stored cluster name cannot be read.`,
    );
    expect(sent(mute.executor)).toEqual(READS);
    const windows = windowsFixtureHost(hostConfig('dma1', '10.0.0.31', 'windows'), () => {
      throw new Error('no command may run');
    });
    await expect(setDataAside(action, handlerContext(windows.host).context)).rejects.toThrow(
      'setting data aside is supported on Linux only; dma1 is a Windows host',
    );
  });

  it('a move that fails says so with its output; one that does not hold says what to look at', async () => {
    const blocked = linuxNode(CAS2, {
      service: 'stopped',
      stored: 'Test Cluster',
      configured: 'Test Cluster',
      data: true,
      setAside: { code: 1, stderr: '/var/lib/cassandra.cdktf-failover-set-aside-x already exists\n' },
    });
    await expect(setDataAside(action, handlerContext(blocked.host).context)).rejects.toThrow(
      'setting /var/lib/cassandra aside failed on cas2 (exit 1):\n/var/lib/cassandra.cdktf-failover-set-aside-x already exists',
    );
    const refilled = linuxNode(CAS2, {
      service: 'stopped',
      stored: 'Test Cluster',
      configured: 'Test Cluster',
      data: true,
      refills: true,
    });
    await expect(setDataAside(action, handlerContext(refilled.host).context)).rejects.toThrow(
      '/var/lib/cassandra was moved aside on cas2, but /var/lib/cassandra still holds the data of cluster "Test Cluster" (cluster_name in /etc/cassandra/cassandra.yaml (the node is stopped and holds data)): look at what recreated it',
    );
  });
});

describe('preflight and verification, fed directly', () => {
  const pair = (one: Partial<LinuxNode> = {}) => {
    const base = { service: 'running', stored: 'Orders', configured: 'Orders', data: true } as const;
    return {
      cas1: linuxNode(CAS1, { ...base, ...one }, [CAS2.address]),
      cas2: linuxNode(CAS2, { ...base }, [CAS1.address]),
    };
  };
  const hostsOf = (nodes: ReturnType<typeof pair>) => ({ cas1: nodes.cas1.host, cas2: nodes.cas2.host });

  it("preflight: each node's facts in one round trip, its port tests in another", async () => {
    const nodes = pair();
    const action = plannedAction<PreflightAction>(
      linuxProps({ allowDataWipeOn: [] }),
      'preflight',
      PREFLIGHT_KIND,
    );
    const { context } = handlerContext(nodes.cas1.host, false, hostsOf(nodes));
    const result = await CASSANDRA_TWO_NODE_HANDLERS[PREFLIGHT_KIND](action, context);
    expect(result.changed).toBe(false);
    expect([nodes.cas1.traffic.roundTrips, nodes.cas2.traffic.roundTrips]).toEqual([2, 2]);
    expect(
      nodes.cas1.executor.received.filter((c) => c.argv[2] === PORT_CHECK_SCRIPT).map((c) => c.argv.slice(4)),
    ).toEqual([
      [CAS2.address, '7000', '5'],
      [CAS2.address, '9042', '5'],
    ]);
  });

  it('preflight: a stopped node is a problem, its nodetool failure no second one', async () => {
    const nodes = pair({ service: 'stopped' });
    const action = plannedAction<PreflightAction>(
      linuxProps({ allowDataWipeOn: [] }),
      'preflight',
      PREFLIGHT_KIND,
    );
    const { context } = handlerContext(nodes.cas1.host, false, hostsOf(nodes));
    const failure = await CASSANDRA_TWO_NODE_HANDLERS[PREFLIGHT_KIND](action, context).catch(
      (e: Error) => e.message,
    );
    expect(failure).toBe(
      'Cassandra preflight found 1 problem; nothing was changed on either node:\n  - the service "cassandra" is not running on cas1; nodetool needs a running node: start it (systemctl start cassandra) and deploy again',
    );
  });

  it("verification: each node's view read in one round trip; a node that does not answer is named", async () => {
    const healthy = pair();
    const action = plannedAction<VerifyClusterAction>(linuxProps(), 'verify', VERIFY_CLUSTER_KIND);
    const verify = CASSANDRA_TWO_NODE_HANDLERS[VERIFY_CLUSTER_KIND];
    await expect(
      verify(action, handlerContext(healthy.cas1.host, false, hostsOf(healthy)).context),
    ).resolves.toEqual({
      changed: false,
    });
    // The view (status and describecluster), the release, the ports.
    expect(healthy.cas2.traffic.roundTrips).toBe(3);
    expect(healthy.cas2.executor.received.slice(0, 2).map((c) => c.argv.join(' '))).toEqual([
      'nodetool status',
      'nodetool describecluster',
    ]);
    const down = pair({ service: 'stopped' });
    const failure = await verify(
      { ...action, healthTimeoutSeconds: 1 },
      handlerContext(down.cas1.host, false, hostsOf(down)).context,
    ).catch((e: Error) => e.message);
    expect(failure).toContain(`  - nodetool status on cas1 failed (exit 1): ${NODETOOL_DOWN}`);
    expect(failure).toContain(`  - nodetool version on cas1 failed (exit 1): ${NODETOOL_DOWN}`);
  });
});
