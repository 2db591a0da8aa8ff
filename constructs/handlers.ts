import type { ActionRegistry } from '../src/runner/action-registry';
import { CASSANDRA_TWO_NODE_HANDLERS } from './cassandra-two-node/handlers';
import { DATAMINER_FAILOVER_PAIR_HANDLERS } from './dataminer-failover-pair/handlers';
import { FAULT_TOLERANT_AGGREGATOR_HANDLERS } from './fault-tolerant-aggregator/handlers';
import { NFS_SHARED_DIR_HANDLERS } from './nfs-shared-dir/handlers';

/** Every construct's action kinds, added to the runner's registry beside the built-in kinds. */
export function addConstructHandlers(registry: ActionRegistry): ActionRegistry {
  return registry
    .add('CassandraTwoNode', CASSANDRA_TWO_NODE_HANDLERS)
    .add('NfsSharedDir', NFS_SHARED_DIR_HANDLERS)
    .add('FaultTolerantAggregator', FAULT_TOLERANT_AGGREGATOR_HANDLERS)
    .add('DataMinerFailoverPair', DATAMINER_FAILOVER_PAIR_HANDLERS);
}
