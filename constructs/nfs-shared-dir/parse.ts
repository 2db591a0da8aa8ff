/**
 * Parsers of what the hosts print: findmnt's JSON, `exportfs -v`, getent lines, exports files and
 * /etc/fstab. Pure, so they are tested with real output.
 */
import type { MountEntry } from './mount-options';

/**
 * `findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS --mountpoint PATH`. Several entries mean mounts
 * stacked on one point; the last one is on top and is what the path shows.
 */
export function parseFindmntJson(stdout: string): MountEntry[] {
  if (stdout.trim() === '') return [];
  const json = JSON.parse(stdout) as { filesystems?: Array<Record<string, unknown>> };
  const flatten = (list: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
    list.flatMap((fs) => [fs, ...flatten((fs.children as Array<Record<string, unknown>>) ?? [])]);
  return flatten(json.filesystems ?? []).map((fs) => ({
    target: String(fs.target ?? ''),
    source: String(fs.source ?? ''),
    fstype: String(fs.fstype ?? ''),
    options: String(fs.options ?? '')
      .split(',')
      .filter((o) => o !== ''),
  }));
}

/** The mount on top of `mountPath` in findmnt's JSON (the last of mounts stacked there), or undefined. */
export function mountOnTop(stdout: string, mountPath: string): MountEntry | undefined {
  const entries = parseFindmntJson(stdout).filter((e) => e.target === mountPath);
  return entries[entries.length - 1];
}

/** `stat -c '%u:%g %a'`: the owner and mode, as printed (`4500:4500 770`). */
export function parseOwnerAndMode(stdout: string): string {
  return stdout.trim();
}

/** One client of one export in the server's applied export table. */
export interface ExportTableEntry {
  readonly path: string;
  readonly client: string;
  readonly options: readonly string[];
}

/**
 * `exportfs -v`: `PATH<TAB>CLIENT(OPTIONS)`, where a path longer than 14 characters ends its line
 * and the client follows on the next, indented by two tabs.
 */
export function parseExportfsVerbose(stdout: string): ExportTableEntry[] {
  const entries: ExportTableEntry[] = [];
  let pendingPath: string | undefined;
  for (const rawLine of stdout.split('\n')) {
    const line = rawLine.replace(/\s+$/, '');
    if (line === '') continue;
    const indented = /^\s/.test(line);
    const fields = line.trim().split(/\s+/);
    let path: string | undefined;
    let clientSpec: string | undefined;
    if (indented) {
      path = pendingPath;
      clientSpec = fields[0];
    } else if (fields.length === 1) {
      pendingPath = unescapeOctal(fields[0]);
      continue;
    } else {
      path = unescapeOctal(fields[0]);
      clientSpec = fields[1];
    }
    pendingPath = undefined;
    if (!path || !clientSpec) continue;
    const match = /^([^()]*)\((.*)\)$/.exec(clientSpec);
    entries.push({
      path,
      client: match ? match[1] : clientSpec,
      options: match ? match[2].split(',').filter(Boolean) : [],
    });
  }
  return entries;
}

function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** `getent passwd` line: name:password:uid:gid:gecos:home:shell. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.trim().split(':');
  if (f.length < 4 || f[0] === '') return undefined;
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
}

/** `getent group` line: name:password:gid:members. */
export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
}

export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.trim().split(':');
  if (f.length < 3 || f[0] === '') return undefined;
  return { name: f[0], gid: Number(f[2]) };
}

/** A line of an exports file that exports a given path. */
export interface ExportsFileHit {
  readonly file: string;
  readonly lineNumber: number;
  readonly line: string;
}

/**
 * Lines of exports files (as `==> FILE <==` sections, the form `tail -n +1` prints) whose export
 * point is `path`. Continuation lines are joined first, as exportfs reads them; the line number is
 * where the entry starts.
 */
export function findExportsOf(dump: string, path: string): ExportsFileHit[] {
  const hits: ExportsFileHit[] = [];
  let file = '';
  let lineNumber = 0;
  let pending: { start: number; text: string } | undefined;
  const consider = (start: number, text: string) => {
    const content = text.replace(/#.*$/, '').trim();
    if (content === '') return;
    const first = /^"([^"]*)"|^(\S+)/.exec(content);
    const exported = first ? unescapeOctal(first[1] ?? first[2]) : '';
    if (exported.replace(/\/+$/, '') === path)
      hits.push({ file, lineNumber: start, line: content.replace(/\s+/g, ' ') });
  };
  for (const line of dump.split('\n')) {
    const header = /^==> (.*) <==$/.exec(line);
    if (header) {
      file = header[1];
      lineNumber = 0;
      pending = undefined;
      continue;
    }
    lineNumber += 1;
    const start = pending?.start ?? lineNumber;
    const text = (pending?.text ?? '') + line;
    if (text.endsWith('\\')) {
      pending = { start, text: `${text.slice(0, -1)} ` };
      continue;
    }
    pending = undefined;
    consider(start, text);
  }
  return hits;
}

/** An /etc/fstab entry for a mount point. */
export interface FstabHit {
  readonly lineNumber: number;
  readonly source: string;
  readonly fstype: string;
}

/** Entries of an fstab whose mount point (second field, with fstab's \040 escapes) is `mountPath`. */
export function findFstabEntries(fstab: string, mountPath: string): FstabHit[] {
  const hits: FstabHit[] = [];
  fstab.split('\n').forEach((line, i) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || fields[0].startsWith('#')) return;
    if (unescapeOctal(fields[1]).replace(/(.)\/+$/, '$1') === mountPath) {
      hits.push({ lineNumber: i + 1, source: fields[0], fstype: fields[2] ?? '' });
    }
  });
  return hits;
}

/** What the preflight reads on one host (HOST_FACTS): its platform, the account and the path. */
export interface HostFacts {
  readonly os: string;
  readonly missing: readonly string[];
  readonly passwdByUid?: PasswdEntry;
  readonly passwdByUser?: PasswdEntry;
  readonly groupByGid?: GroupEntry;
  readonly groupByName?: GroupEntry;
  readonly path: 'directory' | 'symlink' | 'other' | 'missing';
  /** `uid:gid` of the directory at the path. */
  readonly pathOwner?: string;
  readonly pathEntries?: number;
}

/** Parses the `key=value` lines of HOST_FACTS. */
export function parseHostFacts(stdout: string): HostFacts {
  const values = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    values.set(key, [...(values.get(key) ?? []), line.slice(eq + 1)]);
  }
  const one = (key: string) => values.get(key)?.[0] ?? '';
  const path = one('path');
  const entries = one('path_entries').trim();
  return {
    os: one('os').trim(),
    missing: values.get('missing') ?? [],
    ...optional('passwdByUid', parsePasswdLine(one('passwd_uid'))),
    ...optional('passwdByUser', parsePasswdLine(one('passwd_user'))),
    ...optional('groupByGid', parseGroupLine(one('group_gid'))),
    ...optional('groupByName', parseGroupLine(one('group_name'))),
    path: path === 'directory' || path === 'symlink' || path === 'other' ? path : 'missing',
    ...optional('pathOwner', one('path_owner').trim() || undefined),
    ...optional('pathEntries', entries === '' ? undefined : Number(entries)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
