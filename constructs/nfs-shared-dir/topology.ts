/** What NfsSharedDir's actions say of the topology: the server, its clients, each client's mount. */
import type { TopologyReaderMap, TopologyRecorder } from '../../src/summary/topology';
import {
  EXPORT_TABLE_KIND,
  MOUNT_KIND,
  PREFLIGHT_KIND,
  VERIFY_KIND,
  type NfsSharedDirAction,
} from './actions';

export const NFS_SERVER_ROLE = 'NFS server';
export const NFS_CLIENT_ROLE = 'NFS client';

/** The server's address in an export source (`server:/path`, `[v6]:/path`). */
export function exportServer(exportSource: string): string {
  const colon = exportSource.indexOf(':/');
  const server = colon < 0 ? exportSource : exportSource.slice(0, colon);
  return server.replace(/^\[(.*)\]$/, '$1');
}

function mountPath(record: TopologyRecorder, client: string, exportSource: string, mountPoint: string): void {
  const server = record.address(exportServer(exportSource), NFS_SERVER_ROLE);
  record.path(client, server, 'nfs', [], `NFSv4 share ${exportSource} mounted at ${mountPoint}`);
}

export const NFS_SHARED_DIR_TOPOLOGY: TopologyReaderMap<NfsSharedDirAction> = {
  [PREFLIGHT_KIND]: (action, record) => {
    if (action.server) record.host(action.server.host, NFS_SERVER_ROLE);
    for (const client of action.clients)
      mountPath(record, record.host(client, NFS_CLIENT_ROLE), action.exportSource, action.mountPath);
  },
  [EXPORT_TABLE_KIND]: (_action, record) => record.role(record.stepHost, NFS_SERVER_ROLE),
  [MOUNT_KIND]: (action, record) => {
    record.role(record.stepHost, NFS_CLIENT_ROLE);
    mountPath(record, record.stepHost, action.exportSource, action.mountPath);
  },
  [VERIFY_KIND]: (action, record) => {
    for (const client of action.clients)
      mountPath(record, record.host(client, NFS_CLIENT_ROLE), action.exportSource, action.mountPath);
  },
};
