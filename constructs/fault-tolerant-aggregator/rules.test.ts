import type { NetworkPath } from './actions';
import { aggregatorProblems, consulProblems } from './health-rules';
import { installDecision, installRecordName } from './install-rules';
import { pathProblems, probeMode, probeSpec } from './network-paths';
import { AGGREGATOR_STATES, DEFAULT_STATUS_LINE } from './netops';
import {
  parseAggregatorState,
  parseConsulView,
  parseInstallRecord,
  parseKeyValues,
  parseServiceStatus,
} from './parse';
import { daStatusAnswer, DaStatusFormat } from '../../test/lab/emulators/netops/status-variants';
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
  // Every wording the lab's emulator can give (status-variants.ts), for each state and for none.
  const STATES = [...AGGREGATOR_STATES, undefined] as const;
  const answer = (format: DaStatusFormat, state: string | undefined) => daStatusAnswer(format, state).stdout;

  it("reads the default line, the emulator's, and nothing else by default", () => {
    for (const state of AGGREGATOR_STATES)
      expect(parseAggregatorState(answer('line', state), DEFAULT_STATUS_LINE)).toBe(state);
    expect(parseAggregatorState(answer('line', undefined), DEFAULT_STATUS_LINE)).toBeUndefined();
    expect(parseAggregatorState(answer('line', 'Starting'), DEFAULT_STATUS_LINE)).toBeUndefined();
    // Surrounding white space and other lines do not matter; a second, disagreeing line does.
    expect(
      parseAggregatorState(
        'Starting Data Aggregator...\n  Data Aggregator status: Active \r\n',
        DEFAULT_STATUS_LINE,
      ),
    ).toBe('Active');
    expect(
      parseAggregatorState(
        'Data Aggregator status: Active\nData Aggregator status: Inactive',
        DEFAULT_STATUS_LINE,
      ),
    ).toBeUndefined();
    // Words are the vendor's, exactly: no case folding, nothing around them.
    expect(parseAggregatorState('Data Aggregator status: ACTIVE', DEFAULT_STATUS_LINE)).toBeUndefined();
    expect(
      parseAggregatorState('Data Aggregator status: Active (since 10:00)', DEFAULT_STATUS_LINE),
    ).toBeUndefined();
  });

  it('reads a plain state word as unknown by default, and as the state with statusLine "{state}"', () => {
    for (const state of AGGREGATOR_STATES) {
      expect(parseAggregatorState(answer('word', state), DEFAULT_STATUS_LINE)).toBeUndefined();
      expect(parseAggregatorState(answer('word', state), '{state}')).toBe(state);
      // The emulator's default line is not a bare word either.
      expect(parseAggregatorState(answer('line', state), '{state}')).toBeUndefined();
    }
    expect(parseAggregatorState(answer('word', undefined), '{state}')).toBeUndefined();
  });

  it('never reads a state from systemd\'s "Active: active (running)", whatever statusLine', () => {
    // Only the Active DA runs the DA process (the standby runs none), so only its block says running.
    expect(answer('systemd', 'Active')).toContain('   Active: active (running)\n');
    for (const statusLine of [DEFAULT_STATUS_LINE, '{state}', 'Active: {state}'])
      for (const state of STATES)
        expect(parseAggregatorState(answer('systemd', state), statusLine)).toBeUndefined();
  });

  it('reads an empty answer as unknown', () => {
    for (const statusLine of [DEFAULT_STATUS_LINE, '{state}'])
      for (const state of STATES) {
        expect(answer('empty', state)).toBe('');
        expect(parseAggregatorState(answer('empty', state), statusLine)).toBeUndefined();
      }
    expect(parseAggregatorState('\n  \n', '{state}')).toBeUndefined();
  });

  it('reads the state from any one-line form with {state} once, and from no other', () => {
    expect(parseAggregatorState('DA role = Maintenance.', 'DA role = {state}.')).toBe('Maintenance');
    expect(parseAggregatorState('DA role = Maintenance', 'DA role = {state}.')).toBeUndefined();
    expect(parseAggregatorState('Active', 'no placeholder')).toBeUndefined();
    expect(parseAggregatorState('Active Active', '{state} {state}')).toBeUndefined();
  });

  it('reads an LSB status answer: exit 0 running, exit 3 stopped, anything else unknown', () => {
    expect(parseServiceStatus(0, "ActiveMQ is running (pid '4242')")).toBe('running');
    expect(parseServiceStatus(3, 'ActiveMQ not running')).toBe('stopped');
    expect(parseServiceStatus(4, 'Unit activemq.service could not be found.')).toBe('unknown');
    expect(parseServiceStatus(1, 'activemq: unrecognized service')).toBe('unknown');
    expect(parseServiceStatus(1, '')).toBe('unknown');
    expect(parseServiceStatus(null, '')).toBe('unknown');
    // systemctl before systemd PR #3385 exited 3 for a unit that does not exist.
    expect(
      parseServiceStatus(
        3,
        '* activemq.service\n   Loaded: not-found (Reason: No such file or directory)\n   Active: inactive (dead)',
      ),
    ).toBe('unknown');
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
    said: state ? `Data Aggregator status: ${state}` : 'Data Aggregator is not running',
    code: state ? 0 : 3,
    statusLine: DEFAULT_STATUS_LINE,
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
      'da2: the aggregator\'s state is unknown: dadaemon status printed "Data Aggregator is not running" (exit 3), not a line "Data Aggregator status: {state}" with {state} one of Active, Inactive, Maintenance, Failed. Start the aggregator if it is down; if your release words its status otherwise, set aggregators.statusLine to the line it prints',
    ]);
  });
  it('names an unknown state with the raw answer, whole, or says it printed nothing', () => {
    const systemd = daStatusAnswer('systemd', 'Active');
    const unknown = { ...status('da2'), said: systemd.stdout.trim(), code: 0 };
    expect(aggregatorProblems([status('da1', 'Active'), unknown])).toEqual([
      expect.stringContaining(`dadaemon status printed ${JSON.stringify(systemd.stdout.trim())} (exit 0)`),
    ]);
    expect(aggregatorProblems([status('da1', 'Active'), { ...status('da2'), said: '', code: 0 }])).toEqual([
      expect.stringContaining('dadaemon status printed nothing (exit 0), not a line'),
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
