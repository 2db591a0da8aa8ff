import { agentsInfoProblems, parseAgentsInfo, unwrapJsonAnswer } from './agents-info';

const A = { label: 'dma-a', address: '10.0.1.11' };
const B = { label: 'dma-b', address: '10.0.1.12' };
const info = (ip: string, status: string, isFailOver = true) => ({
  ID: 7,
  Name: ip,
  PrimaryIP: ip,
  Cluster: 'DMS',
  Status: status,
  IsFailOver: isFailOver,
  LastChangeUTC: 1764633600000,
});

describe('GetDataMinerAgentsInfo after the switch', () => {
  it('reads the answer wrapped in {"d": …} (ASP.NET script services) and bare alike', () => {
    const list = [info(A.address, 'Running'), info(B.address, 'Disconnected')];
    expect(parseAgentsInfo(JSON.stringify({ d: list }))).toEqual(parseAgentsInfo(JSON.stringify(list)));
    expect(parseAgentsInfo(JSON.stringify({ GetDataMinerAgentsInfoResult: list }))).toHaveLength(2);
    expect(parseAgentsInfo(JSON.stringify(list))[1]).toEqual({
      id: 7,
      name: B.address,
      primaryIp: B.address,
      status: 'Disconnected',
      isFailOver: true,
    });
    expect(unwrapJsonAnswer('{"d":"6f1c"}')).toBe('6f1c');
    expect(unwrapJsonAnswer('"6f1c"')).toBe('6f1c');
    expect(() => parseAgentsInfo('{"d":{"Message":"x"}}')).toThrow('did not answer a list of DMAInfo');
  });

  it('accepts exactly one Running agent of the pair, both IsFailOver', () => {
    const ok = parseAgentsInfo(
      JSON.stringify([
        info(A.address, 'Running'),
        info(B.address, 'Disconnected'),
        info('10.0.1.13', 'Running', false),
      ]),
    );
    expect(agentsInfoProblems(ok, [A, B], ['10.0.1.50'])).toEqual([]);
  });

  it('names what is wrong: not Failover, both or neither Running, the pair missing', () => {
    const both = parseAgentsInfo(
      JSON.stringify([info(A.address, 'Running', false), info(B.address, 'Running')]),
    );
    expect(agentsInfoProblems(both, [A, B], [])).toEqual([
      'GetDataMinerAgentsInfo shows 10.0.1.11 (10.0.1.11, Running) with IsFailOver false',
      'GetDataMinerAgentsInfo shows both agents of the pair Running: 10.0.1.11 (10.0.1.11, Running); 10.0.1.12 (10.0.1.12, Running)',
    ]);
    const none = parseAgentsInfo(JSON.stringify([info(A.address, 'Switching'), info(B.address, 'Starting')]));
    expect(agentsInfoProblems(none, [A, B], [])[0]).toContain('no agent of the pair Running');
    expect(agentsInfoProblems([], [A, B], ['10.0.1.50'])).toEqual([
      'GetDataMinerAgentsInfo lists no agent at 10.0.1.11, 10.0.1.12, 10.0.1.50: it lists nothing',
    ]);
  });
});
