/** The upgrade's order, its refusals and its resumption, from facts and pending markers. */
import type { InstallDecision } from './install-rules';
import { UNFINISHED_INSTALL } from './install-rules';
import type { AggregatorState } from './netops';
import {
  aggregatorVersionProblems,
  AggregatorUpgradeFacts,
  describeUpgrade,
  planUpgrade,
  UpgradeHostFacts,
} from './upgrade-rules';

const A = '24.3.0';
const B = '24.4.0';
const upgradeFrom = (from: string): InstallDecision => ({ kind: 'upgrade', from });
const leaveAt = (v: string): InstallDecision => ({ kind: 'leave', reason: `installed at ${v}` });

function host(
  label: string,
  name: string,
  version: string | undefined,
  extra: Partial<UpgradeHostFacts> = {},
): UpgradeHostFacts {
  return {
    label,
    name,
    present: true,
    ...(version !== undefined ? { version } : {}),
    decision: version === B ? leaveAt(B) : upgradeFrom(version ?? UNFINISHED_INSTALL),
    marked: false,
    ...extra,
  };
}

function da(
  label: string,
  version: string | undefined,
  state: AggregatorState | undefined,
  extra: Partial<AggregatorUpgradeFacts> = {},
): AggregatorUpgradeFacts {
  return { ...host(label, 'data aggregator', version, extra), ...(state ? { state } : {}), ...extra };
}

const site = (
  aggregators: [AggregatorUpgradeFacts, AggregatorUpgradeFacts],
  components = [host('pc', 'NetOps Portal', A), host('lab-a', 'proxy server', A)],
) =>
  describeUpgrade(
    planUpgrade({
      components: components.map((facts) => ({ facts, wanted: B })),
      aggregators,
      aggregatorVersion: B,
    }),
  );

describe('upgrade order', () => {
  it('portal, proxy, then the Inactive aggregator, then a failover from the Active one: one failover, a health gate after each', () => {
    expect(site([da('lab-b', A, 'Active'), da('lab-c', A, 'Inactive')])).toEqual([
      'pc (NetOps Portal): upgrade 24.3.0 → 24.4.0, health gate',
      'lab-a (proxy server): upgrade 24.3.0 → 24.4.0, health gate',
      'lab-c (data aggregator): maintenance, upgrade 24.3.0 → 24.4.0, activate, health gate',
      'lab-b (data aggregator): maintenance (fail over to lab-c), upgrade 24.3.0 → 24.4.0, activate, health gate',
    ]);
  });

  it('follows the states, not the configured roles: the Active aggregator is always last', () => {
    expect(site([da('lab-b', A, 'Inactive'), da('lab-c', A, 'Active')], [])).toEqual([
      'lab-b (data aggregator): maintenance, upgrade 24.3.0 → 24.4.0, activate, health gate',
      'lab-c (data aggregator): maintenance (fail over to lab-b), upgrade 24.3.0 → 24.4.0, activate, health gate',
    ]);
  });

  it('does nothing on a fresh site, nor where everything is at its version', () => {
    const absent = (label: string): AggregatorUpgradeFacts => ({
      label,
      name: 'data aggregator',
      present: false,
      decision: { kind: 'install' },
      marked: false,
    });
    expect(
      site(
        [absent('lab-b'), absent('lab-c')],
        [{ ...host('lab-a', 'proxy server', undefined), present: false, decision: { kind: 'install' } }],
      ),
    ).toEqual([]);
    expect(
      site([da('lab-b', B, 'Active'), da('lab-c', B, 'Inactive')], [host('lab-a', 'proxy server', B)]),
    ).toEqual([]);
  });
});

describe('resuming from facts and markers', () => {
  it('leaves a half-done first install (no record, no marker) to its install step', () => {
    expect(
      site(
        [da('lab-b', B, 'Active'), da('lab-c', B, undefined, { decision: upgradeFrom(UNFINISHED_INSTALL) })],
        [],
      ),
    ).toEqual([]);
  });

  it('after the failover, an old Active whose installer failed is upgraded from Maintenance, with no second failover', () => {
    // lab-c is at B and Active; lab-b, in Maintenance, has the marker and no completion record.
    expect(
      site(
        [
          da('lab-b', B, 'Maintenance', { marked: true, decision: upgradeFrom(UNFINISHED_INSTALL) }),
          da('lab-c', B, 'Active'),
        ],
        [host('lab-a', 'proxy server', B)],
      ),
    ).toEqual(['lab-b (data aggregator): upgrade an unfinished install → 24.4.0, activate, health gate']);
  });

  it('an aggregator whose installer finished but was not verified healthy is activated and gated, not reinstalled', () => {
    expect(site([da('lab-b', A, 'Active'), da('lab-c', B, 'Maintenance', { marked: true })], [])).toEqual([
      'lab-c (data aggregator): activate, health gate',
      'lab-b (data aggregator): maintenance (fail over to lab-c), upgrade 24.3.0 → 24.4.0, activate, health gate',
    ]);
    expect(site([da('lab-b', A, 'Active'), da('lab-c', B, 'Inactive', { marked: true })], [])).toEqual([
      'lab-c (data aggregator): health gate',
      'lab-b (data aggregator): maintenance (fail over to lab-c), upgrade 24.3.0 → 24.4.0, activate, health gate',
    ]);
  });

  it('fails over only when the Active aggregator is the last one below the wanted version', () => {
    // The standby was upgraded and its marker cleared: the next move is the failover.
    expect(site([da('lab-b', A, 'Active'), da('lab-c', B, 'Inactive')], [])).toEqual([
      'lab-b (data aggregator): maintenance (fail over to lab-c), upgrade 24.3.0 → 24.4.0, activate, health gate',
    ]);
    // Both done, the pair switched once: nothing more, and never a switch back.
    expect(site([da('lab-b', B, 'Inactive'), da('lab-c', B, 'Active')], [])).toEqual([]);
  });
});

describe('the aggregators never end on two versions', () => {
  const refused: InstallDecision = {
    kind: 'refuse',
    reason:
      'installed at 24.3.0, not 24.4.0: set installer.allowUpgrade to upgrade it, or declare version 24.3.0',
  };

  it('refuses when one side would stay behind, naming hosts and versions', () => {
    expect(
      aggregatorVersionProblems(
        [da('lab-b', B, 'Active'), da('lab-c', A, 'Inactive', { decision: refused })],
        B,
      ),
    ).toEqual([
      `the data aggregators would end this deploy on different versions: lab-b at 24.4.0, lab-c at 24.3.0 (${refused.reason}). Both must run one version: set aggregators.installer.allowUpgrade, or declare the version both run`,
    ]);
  });

  it('refuses a version that cannot be read', () => {
    const unread = da('lab-c', undefined, 'Inactive', {
      decision: {
        kind: 'leave',
        reason:
          'installed in /opt/IMDataAggregator at a version this construct did not record; give installer.versionCommand to compare it with 24.4.0',
      },
    });
    expect(aggregatorVersionProblems([da('lab-b', A, 'Active'), unread], B)).toEqual([
      'lab-c: the version of the data aggregator cannot be read (installed in /opt/IMDataAggregator at a version this construct did not record; give installer.versionCommand to compare it with 24.4.0), so the pair could end on two versions; give aggregators.installer.versionCommand',
    ]);
  });

  it('accepts both upgrading, one already done, a fresh pair, and no declared version', () => {
    expect(aggregatorVersionProblems([da('lab-b', A, 'Active'), da('lab-c', A, 'Inactive')], B)).toEqual([]);
    expect(aggregatorVersionProblems([da('lab-b', A, 'Active'), da('lab-c', B, 'Inactive')], B)).toEqual([]);
    const absent = {
      label: 'x',
      name: 'data aggregator',
      present: false,
      decision: { kind: 'install' as const },
      marked: false,
    };
    expect(aggregatorVersionProblems([absent, { ...absent, label: 'y' }], B)).toEqual([]);
    expect(
      aggregatorVersionProblems([da('lab-b', A, 'Active'), da('lab-c', B, 'Inactive')], undefined),
    ).toEqual([]);
  });
});
