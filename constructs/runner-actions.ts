import type { ActionHandler } from '../src/runner/action-handler';
import { CASSANDRA_ACTIONS } from './cassandra-two-node/runner-actions';
import { NFS_SHARED_DIR_ACTIONS } from './nfs-shared-dir/runner-actions';

/**
 * The action kinds constructs contribute to the runner, by kind name (`<construct>.<action>`).
 * The runner bundle includes them next to the built-in kinds.
 */
export const CONSTRUCT_ACTIONS: Readonly<Record<string, ActionHandler<never>>> = {
  ...CASSANDRA_ACTIONS,
  ...NFS_SHARED_DIR_ACTIONS,
};
