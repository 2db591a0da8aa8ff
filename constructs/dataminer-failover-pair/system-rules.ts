/**
 * The rules of a DataMiner System, across its pairs, each with a stable id (as cdk-nag names its
 * rules): an error where the vendor forbids, advice (a warning a user may acknowledge) where it
 * only recommends. Pure: pairs in, findings out.
 */
import type { StorageConfig } from './props';
import {
  allowsSharedHostname,
  DataMinerVersion,
  displayVersion,
  failoverConfigKnownIssue,
  forbidsMixing,
  legacySqlUnsupported,
} from './versions';

/** What the rules need to know of one pair. */
export interface PairSummary {
  /** The pair's construct path. */
  readonly path: string;
  readonly addressing: 'virtual-ip' | 'hostname';
  readonly storage: StorageConfig['type'];
  readonly indexing: boolean;
  /** The pair's storage.acknowledgeIndexingNotRecommended: DMS-INDEXING-PER-AGENT acknowledged. */
  readonly indexingAcknowledged: boolean;
}

export interface Finding {
  readonly ruleId: string;
  readonly level: 'error' | 'advice';
  readonly pairPath: string;
  /** The pair's property the finding is about. */
  readonly property: string;
  readonly received: string;
  readonly message: string;
  /** Advice the pair itself acknowledged (a prop), and how: no second acknowledgement is asked. */
  readonly acknowledged?: string;
}

export interface SystemRule {
  readonly id: string;
  /** What the rule checks, in a sentence. */
  readonly summary: string;
  readonly check: (version: DataMinerVersion, pairs: readonly PairSummary[]) => Finding[];
}

const propertyOf = (p: PairSummary) => (p.addressing === 'hostname' ? 'sharedHostname' : 'virtualIps');

export const MIXED_ADDRESSING: SystemRule = {
  id: 'DMS-MIXED-ADDRESSING',
  summary:
    'A DMS does not mix Failover pairs by shared hostname (or agents added by hostname) with pairs by virtual IP: forbidden from 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12, to be avoided before.',
  check(version, pairs) {
    const kinds = new Set(pairs.map((p) => p.addressing));
    if (kinds.size < 2) return [];
    const gate = forbidsMixing(version);
    const first = pairs[0];
    const strict = gate.assumedCu
      ? ` (${displayVersion(version)} does not say its cumulative update: read as CU${gate.assumedCu} or later, where the mix is forbidden; declare the CU, e.g. "${version.major}.${version.minor}.0 [CU${gate.assumedCu - 1}]", if it is earlier)`
      : '';
    return pairs
      .filter((p) => p.addressing !== first.addressing)
      .map((p) => ({
        ruleId: MIXED_ADDRESSING.id,
        level: gate.applies ? 'error' : 'advice',
        pairPath: p.path,
        property: propertyOf(p),
        received: p.addressing === 'hostname' ? 'a shared hostname' : 'virtual IPs',
        message: gate.applies
          ? `this DMS already has a pair by ${first.addressing === 'hostname' ? 'shared hostname' : 'virtual IP'} (${first.path}); from 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12 a DMS may not mix the two${strict}: configure every pair of the DMS the same way`
          : `this DMS already has a pair by ${first.addressing === 'hostname' ? 'shared hostname' : 'virtual IP'} (${first.path}); mixing the two in one DMS is to be avoided (and forbidden from 10.2.0 [CU21]/10.3.0 [CU9]/10.3.12)`,
      }));
  },
};

export const HOSTNAME_VERSION: SystemRule = {
  id: 'DMS-SHARED-HOSTNAME-VERSION',
  summary: 'A shared hostname instead of virtual IPs needs DataMiner 10.2.0/10.1.8 or later.',
  check(version, pairs) {
    if (allowsSharedHostname(version)) return [];
    return pairs
      .filter((p) => p.addressing === 'hostname')
      .map((p) => ({
        ruleId: HOSTNAME_VERSION.id,
        level: 'error',
        pairPath: p.path,
        property: 'sharedHostname',
        received: `a shared hostname on ${displayVersion(version)}`,
        message: 'a shared hostname needs DataMiner 10.2.0/10.1.8 or later: use virtualIps, or upgrade first',
      }));
  },
};

export const LEGACY_SQL: SystemRule = {
  id: 'DMS-LEGACY-SQL',
  summary: 'Legacy MySQL/MSSQL storage is legacy, unsupported from 10.3.',
  check(version, pairs) {
    return pairs
      .filter((p) => p.storage === 'legacy-sql')
      .map((p) => ({
        ruleId: LEGACY_SQL.id,
        level: 'advice',
        pairPath: p.path,
        property: 'storage.type',
        received: '"legacy-sql"',
        message: `MySQL/MSSQL storage is legacy${legacySqlUnsupported(version) ? ` and unsupported on ${displayVersion(version)} (from 10.3)` : ', unsupported from 10.3'}: DataMiner synchronizes the two databases itself; check the sync state after switching Failover on, and plan a move to Storage as a Service or dedicated clustered storage`,
      }));
  },
};

export const INDEXING_PER_AGENT: SystemRule = {
  id: 'DMS-INDEXING-PER-AGENT',
  summary:
    'Indexing per agent is recommended against for Failover: refused unless the pair acknowledges it (storage.acknowledgeIndexingNotRecommended), which is its one acknowledgement.',
  check(_version, pairs) {
    return pairs
      .filter((p) => p.storage === 'cassandra-per-agent' && p.indexing)
      .map((p) => ({
        ruleId: INDEXING_PER_AGENT.id,
        pairPath: p.path,
        property: 'storage.indexing',
        received: 'true',
        ...(p.indexingAcknowledged
          ? {
              level: 'advice' as const,
              acknowledged: 'storage.acknowledgeIndexingNotRecommended on the pair',
              message:
                'indexing per agent is recommended against for Failover: if one node goes down, all indexed data can be unavailable',
            }
          : {
              level: 'error' as const,
              message:
                'indexing per agent is recommended against for Failover (if one node goes down, all indexed data can be unavailable); use dedicated clustered storage, or set acknowledgeIndexingNotRecommended: true knowingly',
            }),
      }));
  },
};

export const FAILOVER_CONFIG_KNOWN_ISSUE: SystemRule = {
  id: 'DMS-FAILOVER-BROKERGATEWAY-ISSUE',
  summary:
    "The vendor's known issue: after a migration to BrokerGateway, Failover configuration changes fail from 10.5.0 [CU4]/10.5.7 up to 10.6.0 [CU4]/10.6.7 (fixed in 10.6.0 [CU5]/10.6.8).",
  check(version, pairs) {
    const affected = failoverConfigKnownIssue(version);
    if (affected === 'no') return [];
    return pairs.map((p) => ({
      ruleId: FAILOVER_CONFIG_KNOWN_ISSUE.id,
      level: 'advice',
      pairPath: p.path,
      property: 'version',
      received: JSON.stringify(version.text),
      message: `${displayVersion(version)} ${affected === 'yes' ? 'is' : 'may be (its cumulative update decides)'} in the range where, after a migration to BrokerGateway, Failover configuration changes fail (a known issue from 10.5.0 [CU4]/10.5.7 up to 10.6.0 [CU4]/10.6.7): upgrade to 10.6.0 [CU5]/10.6.8 or later before switching Failover on, if the agents were migrated`,
    }));
  },
};

/** Every rule of a DMS, in the order their findings are reported. */
export const SYSTEM_RULES: readonly SystemRule[] = [
  HOSTNAME_VERSION,
  MIXED_ADDRESSING,
  LEGACY_SQL,
  INDEXING_PER_AGENT,
  FAILOVER_CONFIG_KNOWN_ISSUE,
];

export function systemFindings(version: DataMinerVersion, pairs: readonly PairSummary[]): Finding[] {
  return SYSTEM_RULES.flatMap((rule) => rule.check(version, pairs));
}
