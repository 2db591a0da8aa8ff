import type { ActionHandler } from '../../src/runner/action-handler';
import { EXPORT_TABLE, MOUNT, PREFLIGHT, UNMOUNT, VERIFY } from './action-specs';
import { exportTable } from './runner-export';
import { mount, unmountShare } from './runner-mount';
import { preflight } from './runner-preflight';
import { verify } from './runner-verify';

/** The runner's handlers for NfsSharedDir's action kinds. */
export const NFS_SHARED_DIR_ACTIONS: Readonly<Record<string, ActionHandler<never>>> = {
  [PREFLIGHT]: preflight as ActionHandler<never>,
  [EXPORT_TABLE]: exportTable as ActionHandler<never>,
  [MOUNT]: mount as ActionHandler<never>,
  [VERIFY]: verify as ActionHandler<never>,
  [UNMOUNT]: unmountShare as ActionHandler<never>,
};
