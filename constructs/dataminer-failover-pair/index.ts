export { DataMinerFailoverPair } from './dataminer-failover-pair';
export { DataMinerSystem } from './dataminer-system';
export type {
  CassandraPerAgentStorage,
  DataMinerAgentProps,
  DataMinerFailoverPairConfig,
  DataMinerFailoverPairProps,
  DataMinerStorageProps,
  DataMinerSystemProps,
  DedicatedClusteredStorage,
  LegacySqlStorage,
  RuleAcknowledgement,
  StorageAsAServiceStorage,
} from './props';
export { dataMinerFailoverPairSchema } from './props';
export { planDataMinerFailoverPairSteps } from './plan';
export { SYSTEM_RULES } from './system-rules';
export { parseDataMinerVersion } from './versions';
export type { DataMinerVersion } from './versions';
