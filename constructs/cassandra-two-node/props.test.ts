import { Construct } from 'constructs';
import { App, TerraformStack } from '../../src/cdktf';
import { ValidationError } from '../../src/errors';
import { SshCredentials } from '../../src/schema/host';
import type { HostProps } from '../../src/schema/host';
import { parseProps } from '../../src/validate';
import { cassandraTwoNodeSchema, CassandraTwoNodeProps } from './props';

const KEY = 'SHA256:GXu3GpfM2HjVASq4FMUwhW6ef4/jQltYNAsoPhWvs+A';

function host(name: string, address: string, extra: Partial<HostProps> = {}): HostProps {
  return { name, address, user: 'root', hostKeySha256: KEY, credentials: SshCredentials.agent(), ...extra };
}

const linuxPair = (): CassandraTwoNodeProps => ({
  nodes: [{ host: host('cas1', '10.0.0.1') }, { host: host('cas2', '10.0.0.2') }],
  clusterName: 'Lab Cluster',
});

const windowsPair = (): CassandraTwoNodeProps => ({
  nodes: [
    { host: host('dma1', '10.0.0.11', { os: 'windows' }) },
    { host: host('dma2', '10.0.0.12', { os: 'windows' }) },
  ],
});

function parse(props: unknown) {
  const stack = new TerraformStack(new App() as Construct, 's');
  return parseProps(new Construct(stack, 'Cassandra'), cassandraTwoNodeSchema, props);
}

/** The problems as "property: message" lines. */
function problems(props: unknown): string[] {
  try {
    parse(props);
  } catch (error) {
    if (error instanceof ValidationError)
      return error.problems.map((p) => `${p.propertyPath}: ${p.expected}`);
    throw error;
  }
  return [];
}

describe('CassandraTwoNode props: defaults', () => {
  it('fills a Linux pair: configure mode, both listen addresses as seeds, package locations, reference ports', () => {
    const config = parse(linuxPair());
    expect(config.platform).toBe('linux');
    expect(config.mode).toBe('configure');
    expect(config.seeds).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(config.endpointSnitch).toBe('GossipingPropertyFileSnitch');
    expect(config.ports).toEqual({ internode: 7000, client: 9042 });
    expect(config.locations).toEqual({
      configPath: '/etc/cassandra/cassandra.yaml',
      nodetoolPath: 'nodetool',
      serviceName: 'cassandra',
      dataDirectory: '/var/lib/cassandra',
    });
    expect(config.nodes.map((n) => [n.name, n.listenAddress, n.rpcAddress, n.clientAddress])).toEqual([
      ['cas1', '10.0.0.1', '10.0.0.1', '10.0.0.1'],
      ['cas2', '10.0.0.2', '10.0.0.2', '10.0.0.2'],
    ]);
    expect(config.allowDataWipeOn).toEqual([]);
    expect(config.healthTimeoutSeconds).toBe(240);
    expect(config.firewall).toBe('assume-open');
  });

  it('derives windows-dataminer and verify mode from Windows hosts, with DataMiner locations', () => {
    const config = parse(windowsPair());
    expect(config.platform).toBe('windows-dataminer');
    expect(config.mode).toBe('verify');
    expect(config.locations.nodetoolPath).toBe('C:\\Program Files\\Cassandra\\bin\\nodetool.bat');
    expect(config.locations.configPath).toBe('C:\\Program Files\\Cassandra\\conf\\cassandra.yaml');
    expect(config.locations.dataDirectory).toBe('C:\\ProgramData\\Cassandra');
  });

  it('uses the TLS ports 7001 and 9142 when TLS is on', () => {
    expect(parse({ ...linuxPair(), tls: { internode: true, client: true } }).ports).toEqual({
      internode: 7001,
      client: 9142,
    });
    expect(parse({ ...linuxPair(), tls: { client: true } }).ports).toEqual({ internode: 7000, client: 9142 });
  });

  it('announces broadcastRpcAddress to clients when rpcAddress is a wildcard', () => {
    const props = linuxPair();
    const config = parse({
      ...props,
      nodes: [{ ...props.nodes[0], rpcAddress: '0.0.0.0', broadcastRpcAddress: '10.0.0.1' }, props.nodes[1]],
    });
    expect(config.nodes[0].clientAddress).toBe('10.0.0.1');
    expect(config.nodes[0].rpcAddress).toBe('0.0.0.0');
  });

  it('keeps overridden locations and an explicit listen address', () => {
    const props = linuxPair();
    const config = parse({
      ...props,
      nodes: [{ host: host('cas1', 'cas1.example.com'), listenAddress: '10.0.0.1' }, props.nodes[1]],
      configPath: '/opt/cassandra/conf/cassandra.yaml',
      nodetoolPath: '/opt/cassandra/bin/nodetool',
      serviceName: 'cassandra@main',
      dataDirectory: '/data/cassandra',
    });
    expect(config.nodes[0].listenAddress).toBe('10.0.0.1');
    expect(config.locations.nodetoolPath).toBe('/opt/cassandra/bin/nodetool');
    expect(config.locations.serviceName).toBe('cassandra@main');
  });
});

describe('CassandraTwoNode props: every rule rejects with the fix', () => {
  const cases: [string, (p: CassandraTwoNodeProps) => unknown, RegExp][] = [
    ['one node', (p) => ({ ...p, nodes: [p.nodes[0]] }), /^nodes: expected exactly two nodes/],
    [
      'three nodes',
      (p) => ({ ...p, nodes: [...p.nodes, { host: host('cas3', '10.0.0.3') }] }),
      /^nodes: expected exactly two nodes/,
    ],
    ['nodes not a list', (p) => ({ ...p, nodes: 'cas1,cas2' }), /^nodes: expected a list of two nodes/],
    [
      'a bad listen address',
      (p) => ({ ...p, nodes: [{ ...p.nodes[0], listenAddress: '10.0.0.1; rm -rf /' }, p.nodes[1]] }),
      /^nodes\[0\]\.listenAddress: expected an IPv4 address/,
    ],
    [
      'a hostname without listenAddress',
      (p) => ({ ...p, nodes: [{ host: host('cas1', 'cas1.example.com') }, p.nodes[1]] }),
      /^nodes\[0\]\.listenAddress: the host address "cas1.example.com" is a hostname/,
    ],
    [
      'the same listen address twice',
      (p) => ({ ...p, nodes: [p.nodes[0], { ...p.nodes[1], listenAddress: '10.0.0.1' }] }),
      /^nodes\[1\]\.listenAddress: both nodes have the same listen address/,
    ],
    [
      'the same node name twice',
      (p) => ({ ...p, nodes: [p.nodes[0], { host: host('cas1', '10.0.0.2') }] }),
      /^nodes\[1\]\.host\.name: both nodes go by the same name/,
    ],
    [
      'a wildcard listen address',
      (p) => ({ ...p, nodes: [{ ...p.nodes[0], listenAddress: '0.0.0.0' }, p.nodes[1]] }),
      /listen_address cannot be a wildcard/,
    ],
    [
      'rpcAddress 0.0.0.0 without broadcastRpcAddress',
      (p) => ({ ...p, nodes: [{ ...p.nodes[0], rpcAddress: '0.0.0.0' }, p.nodes[1]] }),
      /^nodes\[0\]\.broadcastRpcAddress: rpcAddress 0\.0\.0\.0 listens on every interface/,
    ],
    [
      'a wildcard broadcastRpcAddress',
      (p) => ({
        ...p,
        nodes: [{ ...p.nodes[0], rpcAddress: '0.0.0.0', broadcastRpcAddress: '0.0.0.0' }, p.nodes[1]],
      }),
      /not a wildcard address/,
    ],
    [
      'an unknown platform',
      (p) => ({ ...p, platform: 'macos' }),
      /^platform: expected "linux" or "windows-dataminer"/,
    ],
    [
      'linux platform on Windows hosts',
      () => ({ ...windowsPair(), platform: 'linux', mode: 'verify' }),
      /^nodes\[0\]\.host\.os: platform "linux" runs on linux hosts/,
    ],
    [
      'windows-dataminer on Linux hosts',
      (p) => ({ ...p, platform: 'windows-dataminer', mode: 'verify', clusterName: undefined }),
      /^nodes\[0\]\.host\.os: platform "windows-dataminer" runs on windows hosts/,
    ],
    [
      'an unknown mode',
      (p) => ({ ...p, mode: 'repair' }),
      /^mode: expected "configure", "verify" or "preflight"/,
    ],
    [
      'configure on windows-dataminer',
      () => ({ ...windowsPair(), mode: 'configure', clusterName: 'DMS' }),
      /^mode: configure is rejected on "windows-dataminer" because DataMiner forms this cluster itself/,
    ],
    [
      'configure without clusterName',
      (p) => ({ ...p, clusterName: undefined }),
      /^clusterName: configure mode sets cluster_name on both nodes/,
    ],
    [
      'an empty clusterName',
      (p) => ({ ...p, clusterName: '' }),
      /^clusterName: expected a non-empty cluster name/,
    ],
    [
      'a clusterName with a line break',
      (p) => ({ ...p, clusterName: 'Lab\nCluster' }),
      /^clusterName: a cluster name may not contain control characters/,
    ],
    [
      'a clusterName with outer spaces',
      (p) => ({ ...p, clusterName: ' Lab' }),
      /^clusterName: a cluster name may not start or end with spaces/,
    ],
    ['a seed that is not an IP', (p) => ({ ...p, seeds: ['cas1'] }), /^seeds\[0\]: expected an IPv4 address/],
    [
      'a seed outside the pair',
      (p) => ({ ...p, seeds: ['10.0.0.9'] }),
      /^seeds\[0\]: a seed of this two-node cluster must be one of its listen addresses: 10\.0\.0\.1 or 10\.0\.0\.2/,
    ],
    ['an empty seed list', (p) => ({ ...p, seeds: [] }), /^seeds: expected at least one seed address/],
    [
      'a repeated seed',
      (p) => ({ ...p, seeds: ['10.0.0.1', '10.0.0.1'] }),
      /^seeds: expected each seed address once/,
    ],
    [
      'seeds in verify mode',
      (p) => ({ ...p, mode: 'verify', seeds: ['10.0.0.1'] }),
      /^seeds: seeds is applied in configure mode only/,
    ],
    [
      'a snitch with shell syntax',
      (p) => ({ ...p, endpointSnitch: 'Gossiping$(reboot)' }),
      /^endpointSnitch: expected a snitch class name/,
    ],
    [
      'endpointSnitch in preflight mode',
      (p) => ({ ...p, mode: 'preflight', endpointSnitch: 'SimpleSnitch' }),
      /^endpointSnitch: endpointSnitch is applied in configure mode only/,
    ],
    [
      'fractional numTokens',
      (p) => ({ ...p, numTokens: 2.5 }),
      /^numTokens: expected a whole number of tokens/,
    ],
    ['zero numTokens', (p) => ({ ...p, numTokens: 0 }), /^numTokens: expected at least 1 token/],
    [
      'numTokens in verify mode',
      (p) => ({ ...p, mode: 'verify', numTokens: 16 }),
      /^numTokens: numTokens is applied in configure mode only/,
    ],
    [
      'tls as a boolean',
      (p) => ({ ...p, tls: true }),
      /^tls: expected \{ internode\?: boolean, client\?: boolean \}/,
    ],
    ['an unknown tls key', (p) => ({ ...p, tls: { jmx: true } }), /^tls/],
    [
      'a release with five parts',
      (p) => ({ ...p, expectedReleaseVersion: '3.11.4.1.2' }),
      /^expectedReleaseVersion: expected a release as `nodetool version` prints it/,
    ],
    [
      'a release with one part',
      (p) => ({ ...p, expectedReleaseVersion: '4' }),
      /^expectedReleaseVersion: expected a release/,
    ],
    [
      'a managed firewall',
      (p) => ({ ...p, firewall: 'manage' }),
      /^firewall: only "assume-open" is accepted: firewall commands differ per site/,
    ],
    [
      'allowDataWipeOn naming no node',
      (p) => ({ ...p, allowDataWipeOn: ['cas9'] }),
      /^allowDataWipeOn\[0\]: expected the name of a node: cas1 or cas2/,
    ],
    [
      'allowDataWipeOn in verify mode',
      (p) => ({ ...p, mode: 'verify', allowDataWipeOn: ['cas1'] }),
      /^allowDataWipeOn: mode "verify" changes nothing, so no data is ever set aside/,
    ],
    [
      'allowDataWipeOn on Windows',
      () => ({ ...windowsPair(), mode: 'preflight', allowDataWipeOn: ['dma1'] }),
      /^allowDataWipeOn: setting data aside is supported on linux only/,
    ],
    [
      'a health timeout the command timeout cuts short',
      (p) => ({ ...p, healthTimeoutSeconds: 400 }),
      /^healthTimeoutSeconds: the wait for UN after a restart runs as one remote command, which nodes\[0\]\.host\.commandTimeoutSeconds \(300\) would cut short/,
    ],
    [
      'a negative health timeout',
      (p) => ({ ...p, healthTimeoutSeconds: -1 }),
      /^healthTimeoutSeconds: expected a positive number of seconds/,
    ],
    [
      'a relative config path on linux',
      (p) => ({ ...p, configPath: 'cassandra.yaml' }),
      /^configPath: expected an absolute path such as \/etc\/cassandra\/cassandra\.yaml \(platform "linux"\)/,
    ],
    [
      'a config path with ..',
      (p) => ({ ...p, configPath: '/etc/../tmp/c.yaml' }),
      /^configPath: expected an absolute path/,
    ],
    [
      'a Windows data directory on linux',
      (p) => ({ ...p, dataDirectory: 'C:\\ProgramData\\Cassandra' }),
      /^dataDirectory: expected an absolute path/,
    ],
    [
      'a POSIX nodetool path on Windows',
      () => ({ ...windowsPair(), nodetoolPath: '/usr/bin/nodetool' }),
      /^nodetoolPath: expected a full path such as C:\\Program Files\\Cassandra\\bin\\nodetool\.bat/,
    ],
    [
      'a nodetool with shell syntax',
      (p) => ({ ...p, nodetoolPath: 'nodetool;id' }),
      /^nodetoolPath: expected a command name on PATH/,
    ],
    [
      'a service name with spaces',
      (p) => ({ ...p, serviceName: 'cassandra db' }),
      /^serviceName: expected a service name such as "cassandra"/,
    ],
    ['an unknown prop', (p) => ({ ...p, replicationFactor: 2 }), /Unrecognized key/],
    [
      'a bad host inside a node',
      (p) => ({ ...p, nodes: [{ host: { ...p.nodes[0].host, hostKeySha256: undefined } }, p.nodes[1]] }),
      /^nodes\[0\]\.host\.hostKeySha256: a pinned host key is required/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, change, expected) => {
    const found = problems(change(linuxPair()));
    expect(found.some((p) => expected.test(p))).toBe(true);
  });

  it('lists every problem at once, naming the construct, the property and the value', () => {
    let error: ValidationError | undefined;
    try {
      parse({ ...linuxPair(), clusterName: '', seeds: ['10.0.0.9'], firewall: 'manage' });
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems.map((p) => p.propertyPath).sort()).toEqual([
      'clusterName',
      'firewall',
      'seeds[0]',
    ]);
    expect(error!.problems.every((p) => p.constructPath === 's/Cassandra')).toBe(true);
    expect(error!.message).toContain('seeds[0]: received "10.0.0.9"');
  });

  it('accepts a valid pair with no problem', () => {
    expect(problems(linuxPair())).toEqual([]);
    expect(problems(windowsPair())).toEqual([]);
    expect(problems({ ...windowsPair(), mode: 'preflight', clusterName: 'DMS Cluster' })).toEqual([]);
  });
});
