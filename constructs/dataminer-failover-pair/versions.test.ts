import {
  allowsSharedHostname,
  displayVersion,
  failoverConfigKnownIssue,
  forbidsMixing,
  matchesDeclared,
  cuUnconfirmed,
  withDeclaredCu,
  needsNatsRepair,
  parseDataMinerVersion,
  searchClustersInDbConfiguration,
} from './versions';

const v = (text: string) => {
  const parsed = parseDataMinerVersion(text);
  if (!parsed) throw new Error(`not parsed: ${text}`);
  return parsed;
};

describe('DataMiner versions as people write them', () => {
  it.each([
    ['10.3.0 [CU9]', { major: 10, minor: 3, feature: 0, patch: 0, cu: 9, track: 'main' }],
    ['10.3.0 CU9', { major: 10, minor: 3, feature: 0, cu: 9, track: 'main' }],
    ['10.2.0.0-11897-CU21', { major: 10, minor: 2, feature: 0, build: 11897, cu: 21, track: 'main' }],
    ['10.3.12', { major: 10, minor: 3, feature: 12, track: 'feature' }],
    ['10.4.2.0-13691', { major: 10, minor: 4, feature: 2, build: 13691, track: 'feature' }],
    ['10.5.4.0-15588-20250319-release', { major: 10, minor: 5, feature: 4, build: 15588, track: 'feature' }],
    ['10.4.0.0-14772-20240821-release', { major: 10, minor: 4, feature: 0, build: 14772, track: 'main' }],
    ['10.2.0 [CU21]', { major: 10, minor: 2, feature: 0, cu: 21 }],
  ])('%s', (text, expected) => {
    expect(v(text)).toMatchObject(expected);
  });

  it('refuses what is not a version', () => {
    for (const text of ['', '10', '10.3', 'ten', '10.3.0 [CU]', '10.3.0; rm -rf /', '10.3.0-CU9-x'])
      expect(parseDataMinerVersion(text)).toBeUndefined();
  });

  it('allows a shared hostname from 10.2.0/10.1.8', () => {
    expect(allowsSharedHostname(v('10.2.0'))).toBe(true);
    expect(allowsSharedHostname(v('10.1.0 [CU20]'))).toBe(false);
    expect(allowsSharedHostname(v('10.1.8'))).toBe(true);
    expect(allowsSharedHostname(v('10.1.7'))).toBe(false);
    expect(allowsSharedHostname(v('10.0.13'))).toBe(false);
  });

  it('forbids mixing from 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12, on both sides of each boundary', () => {
    const applies = (text: string) => forbidsMixing(v(text)).applies;
    expect(applies('10.2.0 [CU20]')).toBe(false);
    expect(applies('10.2.0 [CU21]')).toBe(true);
    expect(applies('10.3.0 [CU8]')).toBe(false);
    expect(applies('10.3.0 [CU9]')).toBe(true);
    expect(applies('10.3.11')).toBe(false);
    expect(applies('10.3.12')).toBe(true);
    expect(applies('10.2.5')).toBe(false);
    expect(applies('10.1.0 [CU30]')).toBe(false);
    expect(applies('10.4.0 [CU0]')).toBe(true);
    expect(applies('10.4.1')).toBe(true);
    // Without a CU, MR 10.2 and 10.3 get the strict reading, and say so.
    expect(forbidsMixing(v('10.2.0.0-11897'))).toEqual({ applies: true, assumedCu: 21 });
    expect(forbidsMixing(v('10.3.0'))).toEqual({ applies: true, assumedCu: 9 });
  });

  it('keeps multiple search clusters in DBConfiguration.xml before 10.4.0/10.4.2', () => {
    expect(searchClustersInDbConfiguration(v('10.3.0 [CU9]'))).toBe(true);
    expect(searchClustersInDbConfiguration(v('10.4.0'))).toBe(false);
    expect(searchClustersInDbConfiguration(v('10.4.1'))).toBe(true);
    expect(searchClustersInDbConfiguration(v('10.4.2'))).toBe(false);
    expect(searchClustersInDbConfiguration(v('10.3.12'))).toBe(true);
  });

  it('places the BrokerGateway known issue from 10.5.0 [CU4]/10.5.7 up to 10.6.0 [CU4]/10.6.7', () => {
    expect(failoverConfigKnownIssue(v('10.5.0 [CU4]'))).toBe('yes');
    expect(failoverConfigKnownIssue(v('10.5.0'))).toBe('maybe');
    expect(failoverConfigKnownIssue(v('10.6.0 [CU5]'))).toBe('no');
    expect(failoverConfigKnownIssue(v('10.5.12'))).toBe('yes');
    expect(failoverConfigKnownIssue(v('10.6.8'))).toBe('no');
  });

  it('runs NATSRepair from 10.6', () => {
    expect(needsNatsRepair(v('10.5.4.0-15588-20250319-release'))).toBe(false);
    expect(needsNatsRepair(v('10.6.0'))).toBe(true);
  });

  it('matches an installed version with the declared one, CU included', () => {
    expect(matchesDeclared(v('10.3.0.0-12752-CU9'), v('10.3.0 [CU9]'))).toBe(true);
    expect(matchesDeclared(v('10.3.0.0-12752-CU8'), v('10.3.0 [CU9]'))).toBe(false);
    expect(matchesDeclared(v('10.3.0.0-12752-CU9'), v('10.3.0'))).toBe(false);
    expect(matchesDeclared(v('10.3.12.0-13000'), v('10.3.12'))).toBe(true);
    expect(matchesDeclared(v('10.4.2.0-13691'), v('10.4.2.0-13692'))).toBe(false);
    expect(displayVersion(v('10.2.0.0-11897-CU21'))).toBe('10.2.0 [CU21]');
  });

  it('reads a main-release line without a CU as "not stated", never as CU0', () => {
    const line = v('10.4.0.0-14772-20240821-release');
    expect(line.cu).toBeUndefined();
    expect(matchesDeclared(line, v('10.4.0 [CU7]'))).toBe(true);
    expect(cuUnconfirmed(line, v('10.4.0 [CU7]'))).toBe(true);
    expect(matchesDeclared(line, v('10.5.0 [CU7]'))).toBe(false);
    // A stated CU still has to match.
    expect(cuUnconfirmed(v('10.3.0.0-12752-CU9'), v('10.3.0 [CU9]'))).toBe(false);
    // The gates read the declared CU where the line states none: no strict reading assumed.
    const gated = withDeclaredCu(v('10.3.0.0-12752-20230101-release'), v('10.3.0 [CU9]'));
    expect(gated.cu).toBe(9);
    expect(forbidsMixing(gated)).toEqual({ applies: true });
    expect(forbidsMixing(withDeclaredCu(v('10.3.0.0-12752-20230101-release'), v('10.3.0 [CU8]')))).toEqual({
      applies: false,
    });
  });

  it('never reads a line it does not know, such as a hotfix line', () => {
    expect(parseDataMinerVersion('HF_10.4.0.0-14772_01')).toBeUndefined();
    expect(parseDataMinerVersion('10.4.0.0-14772-HF3')).toBeUndefined();
  });
});
