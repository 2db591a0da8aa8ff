/**
 * The custom action kinds of CassandraTwoNode: plain JSON carried in the step specs, executed by
 * the handlers in handlers.ts.
 */
import type { ConfigSetting } from '../../src/actions';
import type { HostConfig } from '../../src/schema/host';
import type { CassandraLocations, CassandraMode, CassandraPorts } from './props';

/** What the cross-node actions need to know of each node. */
export interface NodeTarget {
  readonly host: HostConfig;
  readonly name: string;
  readonly listenAddress: string;
  readonly clientAddress: string;
}

/** A node in the preflight: its target plus the cassandra.yaml keys configure mode will set on it. */
export interface PreflightNode extends NodeTarget {
  /** Empty outside configure mode. */
  readonly settings: readonly ConfigSetting[];
  /** Its stored cluster name may differ from clusterName: the data will be set aside. */
  readonly dataWipeAllowed: boolean;
}

export const PREFLIGHT_KIND = 'cassandra-two-node.preflight';
export const SET_DATA_ASIDE_KIND = 'cassandra-two-node.set-data-aside';
export const VERIFY_CLUSTER_KIND = 'cassandra-two-node.verify-cluster';

/**
 * Read-only checks on both nodes before anything changes: services, releases, ports, stored
 * cluster names, num_tokens, and that the cassandra.yaml edits apply.
 */
export type PreflightAction = {
  readonly kind: typeof PREFLIGHT_KIND;
  readonly description: string;
  readonly mode: CassandraMode;
  readonly nodes: readonly [PreflightNode, PreflightNode];
  readonly locations: CassandraLocations;
  readonly ports: CassandraPorts;
  readonly clusterName?: string;
  readonly expectedReleaseVersion?: string;
  readonly numTokens?: number;
  /** The pending-restart marker: a node whose restart is still due may be down. */
  readonly restartMarker: string;
};

/**
 * On the step's node, when the cluster name it stored differs from clusterName: stop the service
 * and move the data directory to a timestamped folder beside it. Never deletes.
 */
export type SetDataAsideAction = {
  readonly kind: typeof SET_DATA_ASIDE_KIND;
  readonly description: string;
  readonly clusterName: string;
  readonly listenAddress: string;
  readonly locations: CassandraLocations;
  /** The restart marker: the node must start again with its new configuration. */
  readonly notifies: string;
};

/** Both nodes UN in both views, one schema version, no UNREACHABLE, ports open both ways. */
export type VerifyClusterAction = {
  readonly kind: typeof VERIFY_CLUSTER_KIND;
  readonly description: string;
  readonly nodes: readonly [NodeTarget, NodeTarget];
  readonly locations: CassandraLocations;
  readonly ports: CassandraPorts;
  readonly clusterName?: string;
  readonly expectedReleaseVersion?: string;
  readonly healthTimeoutSeconds: number;
};

/** Every action kind CassandraTwoNode contributes. */
export type CassandraTwoNodeAction = PreflightAction | SetDataAsideAction | VerifyClusterAction;
