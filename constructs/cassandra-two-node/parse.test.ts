import {
  clusterProblems,
  compareReleases,
  isReleaseVersion,
  parseDescribeCluster,
  parseNodetoolStatus,
  parseReleaseVersion,
  releaseProblem,
  stripPort,
} from './parse';

/** `nodetool status` as the reference shows it. */
const STATUS_BOTH_UN = `Datacenter: datacenter1
=======================
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address    Load       Tokens  Owns  Host ID                               Rack
UN  10.0.0.1   195.48 MB  256     ?     8c14221d-0870-467c-894a-76ead663e9f1  rack1
UN  10.0.0.2   279.71 KB  256     ?     1f9cf256-fc13-41ec-b5c5-2a0274b18963  rack1
`;

const STATUS_ONE_DOWN = STATUS_BOTH_UN.replace('UN  10.0.0.2', 'DN  10.0.0.2');

/** Cassandra 3.11 `nodetool describecluster`. */
const DESCRIBE_311 = `Cluster Information:
\tName: Lab Cluster
\tSnitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch
\tDynamicEndPointSnitch: enabled
\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner
\tSchema versions:
\t\tea63e099-37c5-3d7b-9ace-32f4c833653d: [10.0.0.1, 10.0.0.2]

`;

const DESCRIBE_311_UNREACHABLE = `Cluster Information:
\tName: Lab Cluster
\tSnitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch
\tDynamicEndPointSnitch: enabled
\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner
\tSchema versions:
\t\tea63e099-37c5-3d7b-9ace-32f4c833653d: [10.0.0.1]

\t\tUNREACHABLE: [10.0.0.2]

`;

/** Cassandra 4.x adds sections, ports in addresses and the keyspaces' replication. */
const DESCRIBE_40 = `Cluster Information:
\tName: Lab Cluster
\tSnitch: org.apache.cassandra.locator.SimpleSnitch
\tDynamicEndPointSnitch: enabled
\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner
\tSchema versions:
\t\t2207c2a9-f598-3971-986b-2926e09e239d: [10.0.0.1:7000, 10.0.0.2:7000]

Stats for all nodes:
\tLive: 2
\tJoining: 0
\tMoving: 0
\tLeaving: 0
\tUnreachable: 0

Data Centers: 
\tdatacenter1 #Nodes: 2 #Down: 0

Database versions:
\t4.0.0: [10.0.0.1:7000, 10.0.0.2:7000]

Keyspaces:
\tsystem_auth -> Replication class: SimpleStrategy {replication_factor=1}
\tsystem_distributed -> Replication class: SimpleStrategy {replication_factor=3}
\tapp -> Replication class: NetworkTopologyStrategy {dc1=2, dc2=1}
\tsystem -> Replication class: LocalStrategy {}
`;

describe('release versions', () => {
  it.each([
    ['ReleaseVersion: 3.11.4\n', '3.11.4'],
    ['ReleaseVersion: 3.7\n', '3.7'],
    ['ReleaseVersion: 3.11.3.5115\r\n', '3.11.3.5115'],
    ['WARN  JMX warning\nReleaseVersion: 4.0.11\n', '4.0.11'],
  ])('reads %j', (output, release) => {
    expect(parseReleaseVersion(output)).toBe(release);
  });

  it.each([
    ['ReleaseVersion: 4\n'],
    ['ReleaseVersion: 3.11.4.1.2\n'],
    ['ReleaseVersion: 3.11.4-SNAPSHOT\n'],
    ['nodetool: Failed to connect\n'],
    [''],
  ])('finds no release in %j', (output) => expect(parseReleaseVersion(output)).toBeUndefined());

  it('accepts 2 to 4 numeric parts only', () => {
    expect(['3.7', '3.11.4', '3.11.3.5115'].every(isReleaseVersion)).toBe(true);
    expect(['3', '3.11.4.1.2', 'v3.11', '3..4', ' 3.11', 42].some(isReleaseVersion)).toBe(false);
  });

  it('orders releases numerically, a missing part counting as 0', () => {
    expect(compareReleases('3.11.4', '3.11.10')).toBe(-1);
    expect(compareReleases('3.11.3.5115', '3.11.3')).toBe(1);
    expect(compareReleases('3.11', '3.11.0')).toBe(0);
    expect(compareReleases('4.0', '3.11.4')).toBe(1);
  });

  it('names both releases and the node to update first on a mismatch', () => {
    const problem = releaseProblem([
      { node: 'cas1', release: '3.11.4' },
      { node: 'cas2', release: '3.11.3' },
    ]);
    expect(problem).toContain('cas1 3.11.4, cas2 3.11.3');
    expect(problem).toContain('update cas2 (3.11.3) to 3.11.4 first');
  });

  it('says nothing when the releases agree', () => {
    expect(
      releaseProblem([
        { node: 'a', release: '3.11.4' },
        { node: 'b', release: '3.11.4' },
      ]),
    ).toBeUndefined();
    expect(
      releaseProblem(
        [
          { node: 'a', release: '3.11.4' },
          { node: 'b', release: '3.11.4' },
        ],
        '3.11.4',
      ),
    ).toBeUndefined();
  });

  it('holds both nodes to the pin, naming the one to update first', () => {
    expect(
      releaseProblem(
        [
          { node: 'a', release: '3.11.4' },
          { node: 'b', release: '3.11.4' },
        ],
        '3.11.5',
      ),
    ).toBe(
      'expectedReleaseVersion is 3.11.5, but a runs 3.11.4 and b runs 3.11.4: update a to 3.11.5, one node at a time, before deploying again.',
    );
    expect(
      releaseProblem(
        [
          { node: 'a', release: '3.11.5' },
          { node: 'b', release: '3.11.4' },
        ],
        '3.11.5',
      ),
    ).toContain('b runs 3.11.4: update b to 3.11.5');
    expect(
      releaseProblem(
        [
          { node: 'a', release: '3.11.6' },
          { node: 'b', release: '3.11.4' },
        ],
        '3.11.5',
      ),
    ).toContain('update b (3.11.4) first, then a');
  });
});

describe('nodetool status', () => {
  it('reads the reference output', () => {
    expect(parseNodetoolStatus(STATUS_BOTH_UN)).toEqual([
      { datacenter: 'datacenter1', status: 'U', state: 'N', address: '10.0.0.1', code: 'UN' },
      { datacenter: 'datacenter1', status: 'U', state: 'N', address: '10.0.0.2', code: 'UN' },
    ]);
  });

  it('reads down, joining and Windows line endings, and ignores the legend lines', () => {
    const text = STATUS_BOTH_UN.replace('UN  10.0.0.1', 'UJ  10.0.0.1')
      .replace('UN  10.0.0.2', 'DN  10.0.0.2')
      .replace(/\n/g, '\r\n');
    expect(parseNodetoolStatus(text).map((e) => `${e.code} ${e.address}`)).toEqual([
      'UJ 10.0.0.1',
      'DN 10.0.0.2',
    ]);
  });

  it('reads nodes of two datacenters', () => {
    const second = STATUS_BOTH_UN.replace(/datacenter1/, 'dc2')
      .replace(/=+/, '=========')
      .split('\n')
      .filter((l) => !l.includes('10.0.0.1'))
      .join('\n');
    const text =
      STATUS_BOTH_UN.split('\n')
        .filter((l) => !l.includes('10.0.0.2'))
        .join('\n') +
      '\n' +
      second;
    expect(parseNodetoolStatus(text).map((e) => `${e.datacenter}/${e.address}`)).toEqual([
      'datacenter1/10.0.0.1',
      'dc2/10.0.0.2',
    ]);
  });
});

describe('nodetool describecluster', () => {
  it('reads 3.11: name and one schema version with both addresses', () => {
    expect(parseDescribeCluster(DESCRIBE_311)).toEqual({
      name: 'Lab Cluster',
      schemaVersions: [
        { version: 'ea63e099-37c5-3d7b-9ace-32f4c833653d', addresses: ['10.0.0.1', '10.0.0.2'] },
      ],
      unreachable: [],
      keyspaces: [],
    });
  });

  it('reads UNREACHABLE', () => {
    const d = parseDescribeCluster(DESCRIBE_311_UNREACHABLE);
    expect(d.unreachable).toEqual(['10.0.0.2']);
    expect(d.schemaVersions).toHaveLength(1);
  });

  it('reads 4.x: addresses with ports, and the keyspaces with their smallest replication factor', () => {
    const d = parseDescribeCluster(DESCRIBE_40);
    expect(d.schemaVersions).toEqual([
      { version: '2207c2a9-f598-3971-986b-2926e09e239d', addresses: ['10.0.0.1', '10.0.0.2'] },
    ]);
    expect(d.keyspaces).toEqual([
      { keyspace: 'system_auth', replicationFactor: 1 },
      { keyspace: 'system_distributed', replicationFactor: 3 },
      { keyspace: 'app', replicationFactor: 1 },
    ]);
    expect(d.unreachable).toEqual([]);
  });

  it('strips ports the way 4.x prints them', () => {
    expect(stripPort('10.0.0.1:7000')).toBe('10.0.0.1');
    expect(stripPort('[fd00::1]:7000')).toBe('fd00::1');
    expect(stripPort('fd00::1')).toBe('fd00::1');
  });
});

describe('cluster health from one view', () => {
  const both = ['10.0.0.1', '10.0.0.2'];

  it('finds nothing wrong with a healthy pair', () => {
    expect(
      clusterProblems(
        'cas1',
        parseNodetoolStatus(STATUS_BOTH_UN),
        parseDescribeCluster(DESCRIBE_311),
        both,
        'Lab Cluster',
      ),
    ).toEqual([]);
  });

  it('names a node that is not UN, and UNREACHABLE', () => {
    const problems = clusterProblems(
      'cas1',
      parseNodetoolStatus(STATUS_ONE_DOWN),
      parseDescribeCluster(DESCRIBE_311_UNREACHABLE),
      both,
    );
    expect(problems).toEqual([
      'nodetool status on cas1 shows 10.0.0.2 as DN, expected UN',
      'the schema version on cas1 is not held by 10.0.0.2',
      'nodetool describecluster on cas1 reports UNREACHABLE: 10.0.0.2',
    ]);
  });

  it('names a node missing from the view: two separate clusters', () => {
    const alone = STATUS_BOTH_UN.split('\n')
      .filter((l) => !l.includes('10.0.0.2'))
      .join('\n');
    expect(
      clusterProblems('cas1', parseNodetoolStatus(alone), parseDescribeCluster(DESCRIBE_311), both)[0],
    ).toMatch(/does not list 10\.0\.0\.2: the nodes do not form one cluster/);
  });

  it('names a schema disagreement and a foreign cluster name', () => {
    const split = DESCRIBE_311.replace(
      '\t\tea63e099-37c5-3d7b-9ace-32f4c833653d: [10.0.0.1, 10.0.0.2]',
      '\t\tea63e099-37c5-3d7b-9ace-32f4c833653d: [10.0.0.1]\n\t\t59adb24e-f3cd-3e02-97f0-5b395827453f: [10.0.0.2]',
    );
    const problems = clusterProblems(
      'cas2',
      parseNodetoolStatus(STATUS_BOTH_UN),
      parseDescribeCluster(split),
      both,
      'Other',
    );
    expect(problems[0]).toMatch(/lists 2 schema versions .*expected one agreed by both nodes/);
    expect(problems[1]).toBe('cas2 belongs to cluster "Lab Cluster", expected "Other"');
  });
});
