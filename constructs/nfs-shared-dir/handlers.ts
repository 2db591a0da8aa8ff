import type { HandlerMap } from '../../src/runner/action-registry';
import {
  EXPORT_TABLE_KIND,
  MOUNT_KIND,
  NfsSharedDirAction,
  PREFLIGHT_KIND,
  UNMOUNT_KIND,
  VERIFY_KIND,
} from './actions';
import { exportTable } from './handle-export-table';
import { mount, unmountShare } from './handle-mount';
import { preflight } from './handle-preflight';
import { verify } from './handle-verify';

/** The runner's handler of each NfsSharedDir action kind. */
export const NFS_SHARED_DIR_HANDLERS: HandlerMap<NfsSharedDirAction> = {
  [PREFLIGHT_KIND]: preflight,
  [EXPORT_TABLE_KIND]: exportTable,
  [MOUNT_KIND]: mount,
  [VERIFY_KIND]: verify,
  [UNMOUNT_KIND]: unmountShare,
};
