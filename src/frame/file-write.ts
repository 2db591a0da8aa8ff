/**
 * A file a change writes, as data, so that a pure decision can call for it: the frame renders it
 * into the host's atomic write (a temporary file in the same folder renamed over the file, the
 * previous content kept in a backup whose name is unique per write), as RemoteHost.writeFile
 * writes, and sends it in the change's batch, in its place among the change's commands.
 */
import { ATOMIC_WRITE_PS } from '../dialect/powershell';
import { writeFilesCall } from '../facts/files';
import { backupSuffix, RemoteCall, RemoteHost } from '../runner/remote-host';

export interface FileWriteCall {
  readonly write: { readonly path: string; readonly content: string | Buffer };
}

/** The host's atomic write of one file, with its backup, as one call of a batch. */
export function fileWriteCall(host: RemoteHost, { path, content }: FileWriteCall['write']): RemoteCall {
  const suffix = backupSuffix();
  const what = `writing ${path}`;
  if (!host.isWindows)
    return { ...writeFilesCall([{ path, content, backupSuffix: suffix }], host.config.keepBackups), what };
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return {
    command: {
      powershell: ATOMIC_WRITE_PS,
      vars: { path, suffix, keep: String(host.config.keepBackups), length: String(bytes.length) },
    },
    stdin: bytes,
    what,
  };
}
