import type { HandlerMap } from '../../src/runner/action-registry';
import { EXPORT_TABLE, MOUNT, NfsSharedDirAction, PREFLIGHT, UNMOUNT, VERIFY } from './action-specs';
import { exportTable } from './runner-export';
import { mount, unmountShare } from './runner-mount';
import { preflight } from './runner-preflight';
import { verify } from './runner-verify';

/** The runner's handler of each NfsSharedDir action kind. */
export const NFS_SHARED_DIR_HANDLERS: HandlerMap<NfsSharedDirAction> = {
  [PREFLIGHT]: preflight,
  [EXPORT_TABLE]: exportTable,
  [MOUNT]: mount,
  [VERIFY]: verify,
  [UNMOUNT]: unmountShare,
};
