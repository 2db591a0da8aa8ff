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
 * Sets $base to the login's home when the login owns it, may write it, and nobody else may (no
 * group or other write bit, which would let another user rename what is in it); else $base keeps
 * what it held (a sticky shared folder such as /var/tmp). Where private files are made.
 */
export const PRIVATE_HOME_AS_BASE = `if [ -n "\${HOME:-}" ] && [ -d "$HOME" ] && [ -O "$HOME" ] && [ -w "$HOME" ]; then
  case $(stat -Lc %a -- "$HOME") in *[2367]? | *[2367]) ;; *) base=$HOME ;; esac
fi`;

/**
 * prune_backups TARGET KEEP: deletes all but the KEEP most recent backups of TARGET (KEEP 0: all of
 * them). A backup is a regular file beside TARGET named TARGET.cdktf-failover-backup-<UTC
 * timestamp>, or that name and .10 to .99 when the timestamp was taken; anything else with that
 * prefix is left alone. The names come from the shell's own glob, so no character in a name can
 * split it or point elsewhere, and they come sorted in byte order (the runner runs every command
 * with LC_ALL=C), which is the order of the writes. \${1+"$@"}: bash before 4.4 calls an empty "$@"
 * unbound under set -u.
 */
const PRUNE_BACKUPS = `BACKUP_STAMP='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z'
is_backup() {
  [ -f "$2" ] && [ ! -L "$2" ] || return 1
  case \${2#"$1".cdktf-failover-backup-} in $BACKUP_STAMP | $BACKUP_STAMP.[1-9][0-9]) return 0 ;; esac
  return 1
}
prune_backups() {
  pcount=0
  for pold in "$1".cdktf-failover-backup-*; do
    if is_backup "$1" "$pold"; then pcount=$((pcount + 1)); fi
  done
  ptarget=$1 pkeep=$2
  set --
  for pold in "$ptarget".cdktf-failover-backup-*; do
    if [ "$pcount" -gt "$pkeep" ] && is_backup "$ptarget" "$pold"; then
      set -- \${1+"$@"} "$pold"; pcount=$((pcount - 1))
    fi
  done
  [ "$#" -eq 0 ] || rm -f -- "$@"
}`;

/** Deletes every backup of $1 (see PRUNE_BACKUPS), nothing else. */
export const REMOVE_BACKUPS_SCRIPT = `${PRUNE_BACKUPS}
prune_backups "$1" 0`;

/**
 * Prints the mode (octal, as chmod takes it), owner and group of $1, one per line: a name may hold
 * spaces (an Active Directory group such as "domain users"), never a newline. Exit 3 when missing.
 */
export const STAT_SCRIPT = `[ -e "$1" ] || exit ${MISSING_FILE_STATUS}; exec stat --printf '%a\\n%U\\n%G\\n' -- "$1"`;

/**
 * For each path argument, one record: `M` (missing), `D` (a directory), `E` (unreadable), or `F`
 * followed by four lines, mode (octal), owner, group and byte count, then exactly that many bytes
 * of content. One field per line because a name may hold spaces. The content is copied first, so
 * its length is the length of what is printed even while the file changes: into the persistent
 * shell's private folder when there is one (CDKTF_FAILOVER_TMP), since /tmp may be a small tmpfs.
 */
export const READ_FILES_SCRIPT = `t=$(mktemp "\${CDKTF_FAILOVER_TMP:-\${TMPDIR:-/tmp}}/read.XXXXXX") || exit 70
trap 'rm -f "$t"' EXIT
for f do
  if [ ! -e "$f" ]; then printf 'M\\n'; continue; fi
  if [ -d "$f" ]; then printf 'D\\n'; continue; fi
  if ! m=$(stat --printf '%a\\n%U\\n%G' -- "$f") || ! cat -- "$f" > "$t"; then printf 'E\\n'; continue; fi
  printf 'F\\n%s\\n%s\\n' "$m" "$(wc -c < "$t")"
  cat -- "$t"
done`;

/**
 * Writes files atomically, one or several, from one stdin holding their contents back to back.
 * Each: a temporary file beside the target (same filesystem, so `mv` is a rename), given the
 * previous file's owner and mode (a new file: 0644), then the requested ones, while it is still
 * empty: no one can open it who could not open the file it becomes. Then its content, exactly
 * byte-count bytes of stdin; setuid, setgid and sticky bits only once it is complete. The previous
 * content is copied to a backup just before the rename: target+suffix, or target+suffix+.10 to .99
 * when that name is taken (two writes in one millisecond), claimed without overwriting anything
 * and private until the copy gives it the previous file's mode. Arguments, six per file: path mode
 * owner group backup-suffix (empty: keep no backup) byte-count. Prints one line per file: the
 * backup path, or `-` when there was no previous file or no backup was asked for. The first
 * argument, before the files, is how many backups to keep per file; older ones are deleted. Stops
 * at the first failure: files before it are written, the one that failed and those after it are
 * untouched.
 */
export const WRITE_FILES_SCRIPT = `set -eu
${PRUNE_BACKUPS}
set_mode() {
  if [ -n "$mode" ]; then
    chmod -- "\${mode#"\${mode%???}"}" "$tmp"
    case $mode in *[1-7]???) later=$mode ;; esac
  elif [ -e "$target" ]; then
    chmod --reference="$target" -- "$tmp"
    if [ -u "$tmp" ] || [ -g "$tmp" ]; then chmod ug-s -- "$tmp"; later=--reference=$target; fi
  else
    chmod 0644 -- "$tmp"
  fi
}
mask=$(umask)
keep=$1; shift
while [ "$#" -ge 6 ]; do
  target=$1; mode=$2; owner=$3; group=$4; suffix=$5; size=$6; shift 6
  case $target in */*) dir=\${target%/*}; dir=\${dir:-/} ;; *) dir=. ;; esac
  [ -d "$dir" ] || mkdir -p -- "$dir"
  tmp=$(mktemp "$dir/.\${target##*/}.cdktf-failover.XXXXXX")
  trap 'rm -f -- "$tmp"' EXIT
  # Opened while it is this user's and 0600: the content goes in even when the final owner or
  # mode would not let this user open it.
  exec 3> "$tmp"
  if [ -e "$target" ] && { [ -z "$owner" ] || [ -z "$group" ]; }; then
    chown --reference="$target" -- "$tmp" 2>/dev/null || true
  fi
  [ -z "$owner$group" ] || chown -- "$owner\${group:+:$group}" "$tmp"
  later=
  set_mode
  if [ "$size" -gt 0 ]; then head -c "$size" >&3; fi
  exec 3>&-
  [ "$(stat -c %s -- "$tmp")" -eq "$size" ] || { echo "short input for $target" >&2; exit 65; }
  # A write by a user without CAP_FSETID clears setuid and setgid, and a half-written setuid
  # program must not run: the special bits go on last.
  [ -z "$later" ] || chmod "$later" -- "$tmp"
  sync -- "$tmp" 2>/dev/null || true
  made=-
  if [ -n "$suffix" ] && [ -e "$target" ]; then
    # After the highest one taken, never in a gap pruning left: names sort in the order of writes.
    backup=$target$suffix; n=9
    for b in "$backup".[1-9][0-9]; do if [ -e "$b" ] || [ -L "$b" ]; then n=\${b##*.}; fi; done
    if [ "$n" -gt 9 ]; then n=$((n + 1)); backup=$target$suffix.$n; fi
    umask 077; set -C
    until [ ! -e "$backup" ] && [ ! -L "$backup" ] && { true > "$backup"; } 2>/dev/null; do
      n=$((n + 1)); backup=$target$suffix.$n
      [ "$n" -le 99 ] || { echo "no free backup name for $target" >&2; exit 73; }
    done
    set +C; umask "$mask"
    if ! cp -p -- "$target" "$backup"; then rm -f -- "$backup"; exit 1; fi
    made=$backup
  fi
  mv -f -- "$tmp" "$target"
  trap - EXIT
  [ -z "$suffix" ] || prune_backups "$target" "$keep"
  printf '%s\\n' "$made"
done`;
