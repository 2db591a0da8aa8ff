/** What CassandraTwoNode's actions say of the topology: two nodes, each reaching the other's ports. */
import type { TopologyReaderMap, TopologyRecorder } from '../../src/summary/topology';
import {
  PREFLIGHT_KIND,
  SET_DATA_ASIDE_KIND,
  VERIFY_CLUSTER_KIND,
  type CassandraTwoNodeAction,
  type NodeTarget,
} from './actions';
import type { CassandraPorts } from './props';

export const CASSANDRA_NODE_ROLE = 'Cassandra node';

/** Each node tests the other's internode and CQL ports (handlers.ts, portProblems). */
function nodePaths(record: TopologyRecorder, nodes: readonly NodeTarget[], ports: CassandraPorts): void {
  const keys = nodes.map((n) => record.host(n.host, CASSANDRA_NODE_ROLE));
  for (const [from, to] of [
    [0, 1],
    [1, 0],
  ] as const) {
    record.path(keys[from], keys[to], 'tcp', [ports.internode], 'Cassandra internode');
    record.path(keys[from], keys[to], 'tcp', [ports.client], 'Cassandra CQL clients');
  }
}

export const CASSANDRA_TWO_NODE_TOPOLOGY: TopologyReaderMap<CassandraTwoNodeAction> = {
  [PREFLIGHT_KIND]: (action, record) => nodePaths(record, action.nodes, action.ports),
  [SET_DATA_ASIDE_KIND]: (_action, record) => record.role(record.stepHost, CASSANDRA_NODE_ROLE),
  [VERIFY_CLUSTER_KIND]: (action, record) => nodePaths(record, action.nodes, action.ports),
};
