/**
 * CassandraTwoNode's advice, as named rules (src/rules.ts): the arithmetic of two nodes. Nothing
 * here changes a keyspace. Pure.
 */
import type { AdviceRule } from '../../src/rules';
import type { CassandraTwoNodeConfig } from './props';

export const TWO_NODE_QUORUM: AdviceRule<CassandraTwoNodeConfig> = {
  id: 'CASSANDRA-TWO-NODE-QUORUM',
  summary: 'With two nodes, QUORUM needs both: the cluster survives a node loss only at ONE.',
  check: () => [
    {
      message:
        'Two nodes: QUORUM with replication factor 2 needs both nodes, so the cluster survives a node loss only at consistency ONE or LOCAL_ONE. Keyspaces with replication factor 1 lose access to half their data while one node is down: use replication factor 2.',
    },
  ],
};

export const SYSTEM_AUTH_REPLICATION: AdviceRule<CassandraTwoNodeConfig> = {
  id: 'CASSANDRA-SYSTEM-AUTH-REPLICATION',
  summary: 'system_auth keeps replication factor 1 unless raised, and logins check it at QUORUM.',
  check: () => [
    {
      message:
        'system_auth has replication factor 1 by default and the default "cassandra" superuser is checked at QUORUM: raise system_auth to replication factor 2 and run a repair on both nodes, or logins fail while one node is down.',
    },
  ],
};

export const DATAMINER_KEYSPACES: AdviceRule<CassandraTwoNodeConfig> = {
  id: 'CASSANDRA-DATAMINER-KEYSPACES',
  summary: 'DataMiner creates its keyspaces with replication factor 1 on small clusters.',
  check: (config) =>
    config.platform === 'windows-dataminer'
      ? [
          {
            message:
              'DataMiner creates its keyspaces with replication factor 1 on clusters of up to 3 nodes by default: with a Failover pair, check the replication of its keyspaces after Failover is switched on.',
          },
        ]
      : [],
};

/** Every advice rule of CassandraTwoNode, in the order their findings are reported. */
export const CASSANDRA_ADVICE_RULES = [
  TWO_NODE_QUORUM,
  SYSTEM_AUTH_REPLICATION,
  DATAMINER_KEYSPACES,
] as const;
