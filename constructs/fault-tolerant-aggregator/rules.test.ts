import type { NetworkPath } from './actions';
import { aggregatorProblems, consulProblems } from './health-rules';
import { installDecision, installRecordName } from './install-rules';
import { pathProblems, probeMode, probeSpec } from './network-paths';
import { parseAggregatorState, parseConsulView, parseInstallRecord, parseKeyValues } from './parse';
import { escapePropertyValue, renderResponseFile, responseProperties } from './response-file';
import { testHost } from './test-props';

const host = (name: string, address: string) => ({
  ...testHost(name, address),
  port: 22,
  os: 'linux' as const,
  acceptUnknownHostKey: false,
  sudo: false,
  connectTimeoutSeconds: 30,
  commandTimeoutSeconds: 300,
  keepBackups: 5,
});

describe('response files', () => {
  it('escapes values as java.util.Properties reads them back', () => {
    expect(escapePropertyValue('/opt/IMDataAggregator')).toBe('/opt/IMDataAggregator');
    expect(escapePropertyValue(' lead')).toBe('\\ lead');
    expect(escapePropertyValue('a\\b\nc\td')).toBe('a\\\\b\\nc\\td');
    expect(escapePropertyValue('pässwörd=1:2#!')).toBe('p\\u00e4ssw\\u00f6rd=1:2#!');
    expect(escapePropertyValue('😀')).toBe('\\ud83d\\ude00');
  });

  it('renders the user properties sorted, then the owned ones, the password last', () => {
    const properties = responseProperties(
      { properties: { Z: '1', A: '2' }, keys: { proxyHost: 'PROXY', databaseUser: 'USER' } },
      { proxyHost: '10.0.0.30', databaseUser: 'dauser', failoverHost: 'unnamed: not written' },
    );
    expect(properties).toEqual([
      ['A', '2'],
      ['Z', '1'],
      ['PROXY', '10.0.0.30'],
      ['USER', 'dauser'],
    ]);
    expect(renderResponseFile(properties, { key: 'PWD', value: 's3cret$(x)' }).split('\n').slice(1)).toEqual([
      'A=2',
      'Z=1',
      'PROXY=10.0.0.30',
      'USER=dauser',
      'PWD=s3cret$(x)',
      '',
    ]);
  });
});

describe('install decisions', () => {
  const installer = { version: '24.3.0', allowUpgrade: false, installDirectory: '/opt/IMDataAggregator' };
  it('installs what is missing and leaves what is there at the wanted version', () => {
    expect(installDecision(installer, false, undefined)).toEqual({ kind: 'install' });
    expect(installDecision(installer, true, '24.3.0').kind).toBe('leave');
    expect(installDecision({ ...installer, version: undefined }, true, '23.1').kind).toBe('leave');
    expect(installDecision(installer, true, undefined)).toMatchObject({
      kind: 'leave',
      reason: expect.stringContaining('versionCommand'),
    });
  });
  it('upgrades only when allowed', () => {
    expect(installDecision(installer, true, '23.3.0')).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('allowUpgrade'),
    });
    expect(installDecision({ ...installer, allowUpgrade: true }, true, '23.3.0')).toEqual({
      kind: 'upgrade',
      from: '23.3.0',
    });
  });
  it('names one record per install directory', () => {
    expect(installRecordName('/opt/IMDataAggregator')).toBe('opt_IMDataAggregator');
    expect(parseInstallRecord('24.3.0 20261124T101010Z')).toEqual({
      version: '24.3.0',
      stamp: '20261124T101010Z',
    });
    expect(parseInstallRecord('- 20261124T101010Z')).toEqual({ stamp: '20261124T101010Z' });
    expect(parseInstallRecord(undefined)).toEqual({});
  });
});

describe('parsers', () => {
  it('reads the state dadaemon names, whatever its wording', () => {
    expect(parseAggregatorState('Data Aggregator status: Active')).toBe('Active');
    expect(parseAggregatorState('Data Aggregator status: Inactive\n')).toBe('Inactive');
    expect(parseAggregatorState('dadaemon is in MAINTENANCE mode')).toBe('Maintenance');
    expect(parseAggregatorState('Data Aggregator is not running')).toBeUndefined();
    expect(parseAggregatorState('Active? Inactive?')).toBeUndefined();
  });
  it('reads key=value facts and the Consul API', () => {
    expect(parseKeyValues('os=Linux\npython=/usr/bin/python3\nnoise\nfreeKiB=100')).toEqual({
      os: 'Linux',
      python: '/usr/bin/python3',
      freeKiB: '100',
    });
    const view = parseConsulView(
      '"10.0.0.30:8300"',
      '["10.0.0.30:8300"]',
      '[{"Name":"p","Addr":"10.0.0.30","Status":1}]',
      '[]',
    );
    expect(view).toEqual({
      leader: '10.0.0.30:8300',
      peers: ['10.0.0.30:8300'],
      members: [{ Name: 'p', Addr: '10.0.0.30', Status: 1 }],
      critical: [],
    });
    expect(() => parseConsulView('{}', '[]', '[]', '[]')).toThrow('leader');
  });
});

describe('health rules', () => {
  const status = (label: string, state?: 'Active' | 'Inactive' | 'Maintenance' | 'Failed', ready = true) => ({
    label,
    ...(state ? { state } : {}),
    said: state ? `status: ${state}` : 'Data Aggregator is not running',
    ready,
  });
  it('wants exactly one Active (with its readiness line) and one Inactive', () => {
    expect(aggregatorProblems([status('da1', 'Active'), status('da2', 'Inactive')])).toEqual([]);
    expect(aggregatorProblems([status('da1', 'Active'), status('da2', 'Active')])).toEqual([
      expect.stringMatching(
        /^da1 and da2 both report Active: two active aggregators on one shared directory/,
      ),
    ]);
    expect(aggregatorProblems([status('da1', 'Inactive'), status('da2', 'Inactive')])).toEqual([
      'no aggregator is Active (da1: Inactive, da2: Inactive)',
    ]);
    expect(aggregatorProblems([status('da1', 'Active', false), status('da2', 'Maintenance')])).toEqual([
      'da2 reports Maintenance: run dadaemon activate on it',
      expect.stringMatching(/^da1 is Active but its karaf.log has no readiness line yet/),
    ]);
    expect(aggregatorProblems([status('da1', 'Active'), status('da2')])).toEqual([
      'da2: dadaemon status names no state (it said "Data Aggregator is not running")',
    ]);
  });
  it('wants a leader, three peers, three alive members and no critical check', () => {
    const alive = (n: string) => ({ Name: n, Addr: n, Status: 1 });
    const healthy = {
      leader: 'p:8300',
      peers: ['p', 'a', 'b'],
      members: [alive('p'), alive('a'), alive('b')],
      critical: [],
    };
    expect(consulProblems('proxy', healthy, 3)).toEqual([]);
    expect(
      consulProblems(
        'proxy',
        {
          leader: '',
          peers: ['p', 'a'],
          members: [alive('p'), { Name: 'a', Addr: '10.0.0.11', Status: 4 }],
          critical: [{ Name: 'Serf Health Status', Node: 'a', Output: 'Agent not live' }],
        },
        3,
      ),
    ).toEqual([
      'Consul on proxy has no leader (no quorum of 2 of 3 servers)',
      'Consul on proxy lists 2 peers (p, a), expected 3: the proxy and both aggregators',
      'Consul member a (10.0.0.11) is not alive (status 4): check TCP and UDP 8301 between it and the others',
      'Consul on proxy knows 2 members (p, a), expected 3',
      'critical check Serf Health Status on a: Agent not live',
    ]);
  });
});

describe('network path decisions', () => {
  const proxy = host('proxy', '10.0.0.30');
  const da1 = host('da1', '10.0.0.11');
  const tcp: NetworkPath = {
    from: proxy,
    toHost: da1,
    toAddress: da1.address,
    toLabel: 'da1',
    protocol: 'tcp',
    port: 8300,
    purpose: 'Consul server RPC',
  };
  const udp: NetworkPath = { ...tcp, protocol: 'udp', port: 8301, purpose: 'Consul LAN gossip' };
  const dr: NetworkPath = {
    from: da1,
    toAddress: '10.0.0.20',
    toLabel: 'the data repository 10.0.0.20',
    protocol: 'tcp',
    port: 5433,
    purpose: 'data repository',
  };
  const seen = (busy: string[], received: string[], probes: [NetworkPath, boolean, boolean, string?][]) => ({
    listenerFailures: new Map<string, string>(),
    busy: new Map([['da1', busy]]),
    received: new Map([['da1', received]]),
    probes: new Map(
      [...new Set(probes.map(([p]) => p.from.name!))].map((label) => [
        label,
        new Map(
          probes
            .filter(([p]) => p.from.name === label)
            .map(([p, listened, ok, error]) => [
              probeSpec(p, listened ? 'token' : 'connect'),
              { ok, ...(error ? { error } : {}) },
            ]),
        ),
      ]),
    ),
  });
  const LISTEN = new Set(['da1']);
  it('chooses how each path is proven', () => {
    const none = new Map<string, string[]>();
    expect(probeMode(tcp, none, LISTEN)).toBe('token');
    expect(probeMode(udp, new Map([['da1', ['udp:8301']]]), LISTEN)).toBe('skip');
    expect(probeMode(tcp, new Map([['da1', ['tcp:8300']]]), LISTEN)).toBe('connect');
    // An installed host: no listener of ours on its ports; what nothing listens on waits for the ports step.
    expect(probeMode(tcp, none, new Set())).toBe('skip');
    // After installation: every TCP path must answer its service.
    expect(probeMode(tcp, none, undefined)).toBe('connect');
    expect(probeMode(udp, none, undefined)).toBe('skip');
    expect(probeMode(dr, none, LISTEN)).toBe('connect');
  });
  it('passes paths whose probes arrived', () => {
    expect(
      pathProblems(
        [tcp, udp, dr],
        seen(
          [],
          ['tcp:8300:proxy', 'udp:8301:proxy'],
          [
            [tcp, true, true],
            [udp, true, true],
            [dr, false, true],
          ],
        ),
        LISTEN,
      ),
    ).toEqual([]);
  });
  it('names each closed path: refused TCP, lost UDP, an unreachable data repository', () => {
    expect(
      pathProblems(
        [tcp, udp, dr],
        seen(
          [],
          [],
          [
            [tcp, true, false, 'Connection refused'],
            [udp, true, true],
            [dr, false, false, 'no answer within 3 s'],
          ],
        ),
        LISTEN,
      ),
    ).toEqual([
      'proxy → da1 TCP 8300 (Consul server RPC) is closed: Connection refused',
      'proxy → da1 UDP 8301 (Consul LAN gossip) is closed: datagrams sent from proxy never arrived',
      'da1 → the data repository 10.0.0.20 TCP 5433 (data repository) is closed: no answer within 3 s',
    ]);
  });
  it('trusts an installed service on a busy port, and leaves busy UDP to the gossip check', () => {
    expect(
      pathProblems([tcp, udp], seen(['tcp:8300', 'udp:8301'], [], [[tcp, false, true]]), LISTEN),
    ).toEqual([]);
  });
});
