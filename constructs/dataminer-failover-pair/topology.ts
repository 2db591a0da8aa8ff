/**
 * What DataMinerFailoverPair's actions say of the topology: the primary and backup agents, the
 * ports each must reach, the virtual IPs or shared hostname they share, the storage they use.
 */
import type { TopologyReaderMap, TopologyRecorder } from '../../src/summary/topology';
import {
  FAILOVER_ENABLED_KIND,
  PREFLIGHT_KIND,
  PREPARE_BACKUP_KIND,
  VERIFY_KIND,
  type AgentRef,
  type DataMinerFailoverPairAction,
  type PortCheck,
} from './actions';
import type { AddressingConfig, StorageConfig } from './props';

export const AGENT_ROLES = { primary: 'primary DataMiner agent', backup: 'backup DataMiner agent' } as const;

function agents(record: TopologyRecorder, primary: AgentRef, backup: AgentRef) {
  return {
    primary: record.host(primary.host, AGENT_ROLES.primary),
    backup: record.host(backup.host, AGENT_ROLES.backup),
  };
}

function portPaths(
  record: TopologyRecorder,
  pair: ReturnType<typeof agents>,
  checks: readonly PortCheck[],
): void {
  for (const check of checks) {
    const sides = check.from === 'both' ? (['primary', 'backup'] as const) : [check.from];
    for (const side of sides) {
      const peer = side === 'primary' ? pair.backup : pair.primary;
      const to = check.to === 'peer' ? peer : record.address(check.to);
      const purpose = check.unlessBrokerGateway ? `${check.purpose} (not with BrokerGateway)` : check.purpose;
      record.path(pair[side], to, 'tcp', check.anyOf, purpose);
    }
  }
}

function sharedAddresses(
  record: TopologyRecorder,
  pair: ReturnType<typeof agents>,
  addressing: AddressingConfig,
) {
  const candidates = [pair.primary, pair.backup];
  if (addressing.kind === 'virtual-ip')
    for (const vip of addressing.virtualIps) record.sharedAddress(vip, 'virtual IP', candidates);
  else record.sharedAddress(addressing.sharedHostname, 'shared hostname', candidates);
}

function storageHosts(record: TopologyRecorder, storage: StorageConfig): void {
  if (storage.type !== 'dedicated-clustered') return;
  for (const h of storage.cassandraHosts) record.address(h, 'Cassandra node (dedicated storage)');
  for (const h of storage.searchHosts) record.address(h, 'search node (indexing)');
}

export const DATAMINER_FAILOVER_PAIR_TOPOLOGY: TopologyReaderMap<DataMinerFailoverPairAction> = {
  [PREFLIGHT_KIND]: (action, record) => {
    const pair = agents(record, action.primary, action.backup);
    storageHosts(record, action.storage);
    portPaths(record, pair, action.ports);
    sharedAddresses(record, pair, action.addressing);
    if (action.cassandra) record.nested(action.cassandra);
  },
  [PREPARE_BACKUP_KIND]: (action, record) => {
    agents(record, action.primary, action.backup);
    storageHosts(record, action.storage);
  },
  [VERIFY_KIND]: (action, record) => {
    const pair = agents(record, action.primary, action.backup);
    storageHosts(record, action.storage);
    portPaths(record, pair, action.ports);
  },
  [FAILOVER_ENABLED_KIND]: (action, record) =>
    sharedAddresses(record, agents(record, action.primary, action.backup), action.addressing),
};
