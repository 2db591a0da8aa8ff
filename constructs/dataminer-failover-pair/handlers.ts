import type { HandlerMap } from '../../src/runner/action-registry';
import {
  DataMinerFailoverPairAction,
  FAILOVER_ENABLED_KIND,
  PREFLIGHT_KIND,
  PREPARE_BACKUP_KIND,
  VERIFY_KIND,
} from './actions';
import { preflight } from './handle-preflight';
import { prepareBackup } from './handle-prepare-backup';
import { failoverEnabled, verify } from './handle-verify';

/** The runner's handler of each DataMinerFailoverPair action kind. */
export const DATAMINER_FAILOVER_PAIR_HANDLERS: HandlerMap<DataMinerFailoverPairAction> = {
  [PREFLIGHT_KIND]: preflight,
  [PREPARE_BACKUP_KIND]: prepareBackup,
  [VERIFY_KIND]: verify,
  [FAILOVER_ENABLED_KIND]: failoverEnabled,
};
