import { TopologyReaders } from '../src/summary/topology';
import { CASSANDRA_TWO_NODE_TOPOLOGY } from './cassandra-two-node/topology';
import { DATAMINER_FAILOVER_PAIR_TOPOLOGY } from './dataminer-failover-pair/topology';
import { FAULT_TOLERANT_AGGREGATOR_TOPOLOGY } from './fault-tolerant-aggregator/topology';
import { NFS_SHARED_DIR_TOPOLOGY } from './nfs-shared-dir/topology';

/** What every construct's action kinds say of the topology, for `cdktf-failover summary`. */
export function constructTopologyReaders(): TopologyReaders {
  return new TopologyReaders()
    .add('CassandraTwoNode', CASSANDRA_TWO_NODE_TOPOLOGY)
    .add('NfsSharedDir', NFS_SHARED_DIR_TOPOLOGY)
    .add('FaultTolerantAggregator', FAULT_TOLERANT_AGGREGATOR_TOPOLOGY)
    .add('DataMinerFailoverPair', DATAMINER_FAILOVER_PAIR_TOPOLOGY);
}
