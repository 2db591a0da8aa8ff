/**
 * Server side of the share: the export options a shared KahaDB directory may use and the exports
 * file the construct owns. Pure: used by the schema, the plan and the runner.
 */

export const DEFAULT_EXPORT_OPTIONS: readonly string[] = [
  'rw',
  'sync',
  'no_subtree_check',
  'root_squash',
  'sec=sys',
];

/** One option per element, as exports(5) spells them: `rw`, `sec=sys`, `anonuid=4500`. */
export const EXPORT_OPTION_FORMAT = /^[a-z_][a-z0-9_]*(=[A-Za-z0-9_.:/@-]+)?$/;

/** Why an export option is refused, or undefined when it is acceptable. */
export function exportOptionProblem(option: string): string | undefined {
  if (!EXPORT_OPTION_FORMAT.test(option)) {
    return 'expected one export option per element, such as "rw" or "sec=sys": lower-case letters, digits and "_", optionally "=value"; no commas or spaces';
  }
  if (option === 'ro')
    return 'ro is rejected because every client of the shared directory must read and write it';
  if (option === 'fsid=0' || option === 'fsid=root') {
    return `${option} is rejected: it makes this export the NFSv4 pseudo-root, so clients would have to mount server:/ instead of the path; export the pseudo-root separately if you need one`;
  }
  return undefined;
}

/** Problems of the option list as a whole (each option is checked on its own first). */
export function exportOptionsProblem(options: readonly string[]): string | undefined {
  if (!options.includes('rw'))
    return 'the options must include rw: exportfs exports read-only unless rw is given, and every client must write';
  return undefined;
}

/**
 * The file under /etc/exports.d this construct owns, named after the exported path so two shared
 * directories on one server never share a file: /srv/da-shared → cdktf-failover-srv-da-shared.exports.
 */
export function exportsFileFor(exportPath: string): string {
  const slug =
    exportPath
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'root';
  return `/etc/exports.d/cdktf-failover-${slug}.exports`;
}

/** The exports file content: one line exporting the path to exactly these clients. */
export function renderExportsFile(
  exportPath: string,
  clientAddresses: readonly string[],
  options: readonly string[],
): string {
  const clients = clientAddresses.map((address) => `${address}(${options.join(',')})`).join(' ');
  return `# Managed by cdktf-failover (NfsSharedDir): the shared directory ${exportPath}. Edits are overwritten.\n${exportPath} ${clients}\n`;
}

/** Options `exportfs -v` lists as written in the exports file; others (subtree_check) it leaves out. */
const LISTED_BY_EXPORTFS =
  /^(rw|ro|sync|async|wdelay|no_wdelay|hide|nohide|crossmnt|secure|insecure|root_squash|no_root_squash|all_squash|no_all_squash|no_subtree_check|insecure_locks|(sec|anonuid|anongid|fsid)=.*)$/;

/** An export table entry as `exportfs -v` shows it. */
export interface AppliedExport {
  readonly path: string;
  readonly client: string;
  readonly options: readonly string[];
}

/**
 * How the applied export table differs from the wanted export, in words; empty when the path is
 * exported to exactly the wanted clients with the wanted options.
 */
export function exportTableProblems(
  table: readonly AppliedExport[],
  exportPath: string,
  clients: readonly string[],
  options: readonly string[],
): string[] {
  const entries = table.filter((e) => e.path === exportPath);
  if (entries.length === 0) return [`does not export ${exportPath}`];
  const problems: string[] = [];
  // exportfs may print a short host name as the fully qualified name it resolved it to.
  const same = (listed: string, wanted: string) => listed === wanted || listed.startsWith(`${wanted}.`);
  const missing = clients.filter((c) => !entries.some((e) => same(e.client, c)));
  const extra = entries.map((e) => e.client).filter((l) => !clients.some((c) => same(l, c)));
  if (missing.length > 0) problems.push(`does not export ${exportPath} to ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`also exports ${exportPath} to ${extra.join(', ')}`);
  for (const entry of entries.filter((e) => clients.some((c) => same(e.client, c)))) {
    const lacking = options.filter((o) => LISTED_BY_EXPORTFS.test(o) && !entry.options.includes(o));
    if (lacking.length > 0)
      problems.push(
        `exports ${exportPath} to ${entry.client} without ${lacking.join(', ')} (it has ${entry.options.join(',')})`,
      );
  }
  return problems;
}
