/**
 * Runner side of CassandraTwoNode: preflight and cluster verification across both nodes, and
 * setting data aside on a node that stored another cluster name (only when the user named it).
 */
import type { HandlerMap } from '../../src/runner/action-registry';
import { CassandraTwoNodeAction, PREFLIGHT_KIND, SET_DATA_ASIDE_KIND, VERIFY_CLUSTER_KIND } from './actions';
import { preflight } from './handle-preflight';
import { setDataAside } from './handle-set-data-aside';
import { verifyCluster } from './handle-verify-cluster';

/** The runner's handler of each CassandraTwoNode action kind. */
export const CASSANDRA_TWO_NODE_HANDLERS: HandlerMap<CassandraTwoNodeAction> = {
  [PREFLIGHT_KIND]: preflight,
  [SET_DATA_ASIDE_KIND]: setDataAside,
  [VERIFY_CLUSTER_KIND]: verifyCluster,
};
