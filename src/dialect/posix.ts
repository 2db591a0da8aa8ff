/**
 * POSIX shell dialect. Every value reaches the remote shell through `quotePosix`, which wraps it in
 * single quotes: inside them the shell interprets nothing, so `$()`, backticks, `;` and newlines
 * stay literal text.
 */
export function quotePosix(value: string): string {
  if (value.includes('\0')) throw new Error('a remote command argument cannot contain a NUL character');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command line for an argv as it is: every word quoted. */
export function renderPosixArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('a remote command needs at least a program name');
  return argv.map(quotePosix).join(' ');
}

/** The command line for an argv, optionally through passwordless sudo, with a fixed C locale so output parses the same everywhere. */
export function renderPosixCommand(argv: readonly string[], sudo: boolean): string {
  const prefix = sudo ? ['sudo', '-n', '--', 'env', 'LC_ALL=C'] : ['env', 'LC_ALL=C'];
  return `${prefix.map(quotePosix).join(' ')} ${renderPosixArgv(argv)}`;
}

/**
 * `sh -c SCRIPT` with user values as positional parameters ($1, $2, ...): the script is a constant of
 * the library, values never become code.
 */
export function shellScript(script: string, ...args: readonly string[]): string[] {
  return ['sh', '-c', script, 'sh', ...args];
}

/** Exit status of READ_FILE_SCRIPT when the file does not exist. */
export const MISSING_FILE_STATUS = 3;

/** Prints the file; exit 3 when it does not exist, so "missing" and "unreadable" differ. */
export const READ_FILE_SCRIPT = `[ -e "$1" ] || exit ${MISSING_FILE_STATUS}; exec cat -- "$1"`;

/**
 * prune_backups TARGET KEEP: deletes all but the KEEP most recent backups of TARGET (the names end
 * in a sortable UTC timestamp). Never the file itself; KEEP is at least 1.
 */
const PRUNE_BACKUPS = `prune_backups() {
  ls -1d -- "$1".cdktf-failover-backup-* 2>/dev/null | sort -r | tail -n +"$(( $2 + 1 ))" |
    while IFS= read -r old; do rm -f -- "$old"; done
}`;

/** Prints "mode owner group" of $1 (mode in octal as chmod takes it), exit 3 when missing. */
export const STAT_SCRIPT = `[ -e "$1" ] || exit ${MISSING_FILE_STATUS}; exec stat -c '%a %U %G' -- "$1"`;

/**
 * For each path argument, one record: `M` (missing), `D` (a directory), `E` (unreadable), or
 * `F <mode> <owner> <group> <bytes>` followed by exactly that many bytes of content. The content is
 * copied first, so its length is the length of what is printed even while the file changes.
 */
export const READ_FILES_SCRIPT = `t=$(mktemp) || exit 70
trap 'rm -f "$t"' EXIT
for f do
  if [ ! -e "$f" ]; then printf 'M\\n'; continue; fi
  if [ -d "$f" ]; then printf 'D\\n'; continue; fi
  if ! m=$(stat -c '%a %U %G' -- "$f") || ! cat -- "$f" > "$t"; then printf 'E\\n'; continue; fi
  printf 'F %s %s\\n' "$m" "$(wc -c < "$t")"
  cat -- "$t"
done`;

/**
 * Writes files atomically, one or several, from one stdin holding their contents back to back.
 * Each: a temporary file beside the target (same filesystem, so `mv` is a rename) given the
 * previous file's mode and owner, then the requested ones; the previous content kept as
 * target+suffix just before the rename. Arguments, six per file: path mode owner group
 * backup-suffix (empty: keep no backup) byte-count. Prints one line per file: the backup path, or
 * `-` when there was no previous file or no backup was asked for. The first argument, before the
 * files, is how many backups to keep per file; older ones are deleted. Stops at the first failure:
 * files before it are written, the one that failed and those after it are untouched.
 */
export const WRITE_FILES_SCRIPT = `set -eu
${PRUNE_BACKUPS}
keep=$1; shift
while [ "$#" -ge 6 ]; do
  target=$1; mode=$2; owner=$3; group=$4; suffix=$5; size=$6; shift 6
  dir=$(dirname -- "$target"); base=$(basename -- "$target")
  mkdir -p -- "$dir"
  tmp=$(mktemp "$dir/.$base.cdktf-failover.XXXXXX")
  trap 'rm -f -- "$tmp"' EXIT
  if [ "$size" -gt 0 ]; then dd bs="$size" count=1 iflag=fullblock of="$tmp" 2>/dev/null; fi
  [ "$(wc -c < "$tmp")" -eq "$size" ] || { echo "short input for $target" >&2; exit 65; }
  if [ -e "$target" ]; then
    chmod --reference="$target" -- "$tmp"
    chown --reference="$target" -- "$tmp" 2>/dev/null || true
  else
    chmod 0644 -- "$tmp"
  fi
  [ -z "$mode" ] || chmod -- "$mode" "$tmp"
  [ -z "$owner" ] || chown -- "$owner" "$tmp"
  [ -z "$group" ] || chgrp -- "$group" "$tmp"
  sync -- "$tmp" 2>/dev/null || true
  made=-
  if [ -n "$suffix" ] && [ -e "$target" ]; then cp -p -- "$target" "$target$suffix"; made="$target$suffix"; fi
  mv -f -- "$tmp" "$target"
  trap - EXIT
  [ -z "$suffix" ] || prune_backups "$target" "$keep"
  printf '%s\\n' "$made"
done`;
