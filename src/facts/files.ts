/**
 * The `files` fact: what several files on a POSIX host hold, in one remote command.
 * Missing value: `{ state: 'missing' }` for a path that does not exist.
 */
import { READ_FILES_SCRIPT, shellScript, WRITE_FILES_SCRIPT } from '../dialect/posix';
import type { RemoteCommand } from '../actions';

export type FileFact =
  | { readonly state: 'missing' }
  | { readonly state: 'directory' }
  | { readonly state: 'unreadable' }
  | {
      readonly state: 'file';
      readonly content: string;
      /** Octal, four digits: "0644". */
      readonly mode: string;
      readonly owner: string;
      readonly group: string;
    };

export function readFilesCommand(paths: readonly string[]): RemoteCommand {
  return { argv: shellScript(READ_FILES_SCRIPT, ...paths) };
}

/** Parses READ_FILES_SCRIPT's records, one per path, in order. */
export function parseFiles(paths: readonly string[], stdout: Buffer): Map<string, FileFact> {
  const facts = new Map<string, FileFact>();
  let at = 0;
  const line = (path: string): string => {
    const nl = stdout.indexOf(0x0a, at);
    if (nl < 0) throw new Error(`the file listing ended before ${path}`);
    const text = stdout.subarray(at, nl).toString('utf8');
    at = nl + 1;
    return text;
  };
  for (const path of paths) {
    const header = line(path);
    if (header === 'M') facts.set(path, { state: 'missing' });
    else if (header === 'D') facts.set(path, { state: 'directory' });
    else if (header === 'E') facts.set(path, { state: 'unreadable' });
    else if (header === 'F') {
      const [mode, owner, group, bytes] = [line(path), line(path), line(path), line(path)];
      if (!/^\d+$/.test(mode) || owner === '' || group === '' || !/^\d+$/.test(bytes))
        throw new Error(`unexpected file record for ${path}: ${JSON.stringify([mode, owner, group, bytes])}`);
      const size = Number(bytes);
      if (at + size > stdout.length) throw new Error(`the file listing ended inside ${path}`);
      const content = stdout.subarray(at, at + size).toString('utf8');
      at += size;
      facts.set(path, { state: 'file', content, mode: mode.padStart(4, '0'), owner, group });
    } else throw new Error(`unexpected file record for ${path}: ${header}`);
  }
  return facts;
}

export interface FileWrite {
  readonly path: string;
  /** Text (written as UTF-8) or bytes as they are (a keystore). */
  readonly content: string | Buffer;
  readonly mode?: string;
  readonly owner?: string;
  readonly group?: string;
  /** Appended to the path for the backup of the previous content; none when absent. */
  readonly backupSuffix?: string;
}

/** One command and its stdin that write every file atomically, in order. */
export function writeFilesCall(
  writes: readonly FileWrite[],
  keepBackups: number,
): { command: RemoteCommand; stdin: string | Buffer } {
  const args = writes.flatMap((w) => [
    w.path,
    w.mode ?? '',
    w.owner ?? '',
    w.group ?? '',
    w.backupSuffix ?? '',
    String(Buffer.byteLength(w.content, 'utf8')),
  ]);
  return {
    command: { argv: shellScript(WRITE_FILES_SCRIPT, String(keepBackups), ...args) },
    stdin: writes.every((w) => typeof w.content === 'string')
      ? writes.map((w) => w.content).join('')
      : Buffer.concat(
          writes.map((w) => (typeof w.content === 'string' ? Buffer.from(w.content, 'utf8') : w.content)),
        ),
  };
}

/** The backup paths WRITE_FILES_SCRIPT printed, one per file (undefined where none was made). */
export function parseWrittenFiles(writes: readonly FileWrite[], stdout: string): Array<string | undefined> {
  const lines = stdout.split('\n');
  return writes.map((_, i) => (lines[i] === undefined || lines[i] === '-' ? undefined : lines[i]));
}
