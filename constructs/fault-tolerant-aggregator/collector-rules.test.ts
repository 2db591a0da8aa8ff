import {
  aggregatorsNotAnswering,
  collectorRepairReason,
  portsWithoutConnection,
  waitSpecs,
} from './collector-rules';
import { parseConnectionsReport } from './parse';

/** What ESTABLISHED_TCP printed on a lab collector (iproute2 6.x: the header runs "PortProcess" together). */
const REPORT = `address\tlab-b\t198.18.0.12
address\t198.18.0.13\t198.18.0.13
--
Recv-Q Send-Q  Local Address:Port    Peer Address:PortProcess
0      0        198.18.0.14:22        198.18.0.1:50122
0      0        198.18.0.14:43120   198.18.0.12:8581
0      0      [::ffff:198.18.0.14]:43122 [::ffff:198.18.0.12]:61616
`;

describe("a collector's connections, read from ss", () => {
  it('reads each peer, IPv4-mapped IPv6 included, and what each aggregator name resolves to', () => {
    const report = parseConnectionsReport(REPORT);
    expect(report.connections).toEqual([
      { peerAddress: '198.18.0.1', peerPort: 50122 },
      { peerAddress: '198.18.0.12', peerPort: 8581 },
      { peerAddress: '198.18.0.12', peerPort: 61616 },
    ]);
    expect(report.addresses.get('lab-b')).toEqual(['lab-b', '198.18.0.12']);
  });

  it('refuses output it cannot read rather than miss a connection', () => {
    expect(() => parseConnectionsReport('Recv-Q Send-Q\n0 0 x y\n')).toThrow('no "--" line');
    expect(() => parseConnectionsReport('--\n0 0 198.18.0.14:1 nonsense\n')).toThrow('not a line of ss -tn');
  });

  it('finds the ports without a connection to the aggregator, by name or address', () => {
    const report = parseConnectionsReport(REPORT);
    expect(portsWithoutConnection(report, ['lab-b'], [8581, 61616])).toEqual([]);
    expect(portsWithoutConnection(report, ['lab-b'], [8581, 61616, 61618])).toEqual([61618]);
    // Connected to lab-b is nothing to the other aggregator.
    expect(portsWithoutConnection(report, ['198.18.0.13'], [8581, 61616])).toEqual([8581, 61616]);
  });
});

describe('the wait for both aggregators', () => {
  const wait = {
    aggregators: [
      { address: '10.0.0.11', label: 'da1' },
      { address: '10.0.0.12', label: 'da2' },
    ],
    activePort: 8581,
    standbyPort: 8300,
  };
  const results = (closed: readonly string[]) =>
    waitSpecs(wait).map((spec) =>
      closed.includes(spec) ? { spec, ok: false, error: 'Connection refused' } : { spec, ok: true },
    );

  it('is done when both answer on the standby port and one on the web services (the standby runs no DA process)', () => {
    expect(aggregatorsNotAnswering(wait, results(['tcp:10.0.0.12:8581:connect']))).toEqual([]);
    expect(aggregatorsNotAnswering(wait, results(['tcp:10.0.0.11:8581:connect']))).toEqual([]);
  });

  it('names the aggregator that does not answer, not only "none"', () => {
    expect(
      aggregatorsNotAnswering(wait, results(['tcp:10.0.0.12:8300:connect', 'tcp:10.0.0.12:8581:connect'])),
    ).toEqual([
      'da2 does not answer on TCP 8300 (its Consul server, which a standby runs too): Connection refused',
    ]);
    expect(
      aggregatorsNotAnswering(wait, results(['tcp:10.0.0.11:8581:connect', 'tcp:10.0.0.12:8581:connect'])),
    ).toEqual([
      "no aggregator answers on TCP 8581 (the Active aggregator's web services): da1 Connection refused, da2 Connection refused",
    ]);
  });
});

describe('the collector repair', () => {
  it('is wanted when a port has no connection or an aggregator changed, and not otherwise', () => {
    expect(collectorRepairReason(false, [])).toBeUndefined();
    expect(collectorRepairReason(true, [])).toBe('an aggregator was installed or upgraded after it started');
    expect(collectorRepairReason(false, [61616])).toBe(
      'it holds no connection to an aggregator on TCP 61616',
    );
  });
});
