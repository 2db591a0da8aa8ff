import type { OwnerSpec } from './actions';
/**
 * The fixed shell scripts NfsSharedDir runs on hosts. Values only ever arrive as positional
 * parameters ($1, $2, ...) through `shellScript`, never inside the script text.
 */

/** $1 directory, $2 uid, $3 gid, $4 mode as `stat -c %a` prints it (770, 2770). */
export const DIRECTORY_IS_AS_WANTED = `[ -d "$1" ] && [ ! -L "$1" ] && [ "$(stat -c '%u:%g %a' -- "$1")" = "$2:$3 $4" ]`;

/**
 * $1 directory, $2 uid, $3 gid, $4 mode with a leading zero (00770): GNU chmod keeps a directory's
 * setgid bit under a plain numeric mode, and clears it only when the mode has five digits.
 */
export const MAKE_DIRECTORY = `set -e
mkdir -p -- "$1"
chown -- "$2:$3" "$1"
chmod -- "$4" "$1"`;

/** $1 group name, $2 gid. */
export const GROUP_EXISTS_WITH_GID = `[ "$(getent group "$1" | cut -d: -f3)" = "$2" ]`;

/** $1 user name, $2 uid, $3 primary gid. */
export const USER_EXISTS_WITH_IDS = `[ "$(id -u "$1" 2>/dev/null)" = "$2" ] && [ "$(id -g "$1" 2>/dev/null)" = "$3" ]`;

/** Exit status of the lock scripts when another client holds the lock. */
export const LOCK_CONFLICT_STATUS = 75;
/** Exit status of HOLD_LOCK when it could not take the lock within the wait. */
export const LOCK_TIMEOUT_STATUS = 72;

/**
 * Takes an exclusive lock on $1 and holds it until the file $3 appears (at most $4 seconds),
 * announcing the lock by creating $2. Both signal files are local to the holder, so no NFS cache
 * delays them. The descriptor is opened for writing: NFS grants an exclusive lock only then.
 */
export const HOLD_LOCK = `exec 9>>"$1" || exit 71
flock -x -w "$4" 9 || exit ${LOCK_TIMEOUT_STATUS}
: > "$2"
i=0
while [ ! -e "$3" ] && [ "$i" -lt $(( $4 * 10 )) ]; do i=$((i + 1)); sleep 0.1; done
rm -f -- "$2" "$3"`;

/** Tries the exclusive lock on $1 without waiting: 0 got it (released at exit), 75 held elsewhere. */
export const TRY_LOCK = `exec 9>>"$1" || exit 71
flock -x -n -E ${LOCK_CONFLICT_STATUS} 9`;

/** Waits until the file $1 exists, at most $2 seconds; exit 1 when it does not appear. */
export const WAIT_FOR_FILE = `i=0
while [ ! -e "$1" ]; do i=$((i + 1)); [ "$i" -gt $(( $2 * 10 )) ] && exit 1; sleep 0.1; done`;

/** Writes $2 and a newline to the new file $1 (group-readable, as the shared directory wants). */
export const WRITE_FILE = `umask 007; printf '%s\\n' "$2" > "$1"`;

/**
 * Facts about one host for the preflight, as `key=value` lines: the OS, missing commands ($1, a
 * space-separated list of constants), who holds the owner's IDs ($2 uid, $3 user, $4 gid,
 * $5 group), and what is at the path $6 (with its entries counted when $7 is "count").
 */
export const HOST_FACTS = `printf 'os=%s\\n' "$(uname -s)"
for c in $1; do
  command -v "$c" >/dev/null 2>&1 || [ -x "/sbin/$c" ] || [ -x "/usr/sbin/$c" ] || printf 'missing=%s\\n' "$c"
done
printf 'passwd_uid=%s\\n' "$(getent passwd "$2" | head -n 1)"
printf 'passwd_user=%s\\n' "$(getent passwd "$3" | head -n 1)"
printf 'group_gid=%s\\n' "$(getent group "$4" | head -n 1)"
printf 'group_name=%s\\n' "$(getent group "$5" | head -n 1)"
if [ -L "$6" ]; then echo 'path=symlink'
elif [ -d "$6" ]; then
  echo 'path=directory'
  printf 'path_owner=%s\\n' "$(stat -c '%u:%g' -- "$6")"
  [ "$7" != count ] || printf 'path_entries=%s\\n' "$(ls -A -- "$6" | wc -l)"
elif [ -e "$6" ]; then echo 'path=other'
else echo 'path=missing'; fi`;

/** Every exports file, each after a `==> FILE <==` header; nothing when there are none. */
export const DUMP_EXPORTS_FILES = `for f in /etc/exports /etc/exports.d/*.exports; do
  [ -f "$f" ] || continue
  printf '==> %s <==\\n' "$f"
  cat -- "$f"
  echo
done`;

/**
 * Runs an argv as the share's owner. With root_squash the server treats root as nobody, so the
 * checks read, write and lock as the user the application runs as.
 */
export function asOwner(owner: OwnerSpec, argv: readonly string[]): { argv: string[] } {
  return {
    argv: ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', ...argv],
  };
}

/**
 * The mount on top of a path, from the kernel's mount table (/proc/self/mountinfo), with an NFS
 * mount's options as the kernel applied them. Exit 1 and no output: nothing is mounted there.
 */
export function findMount(mountPath: string): { argv: string[] } {
  return { argv: ['findmnt', '-J', '-o', 'TARGET,SOURCE,FSTYPE,OPTIONS', '--mountpoint', mountPath] };
}

/** Exit status of findmnt when nothing is mounted at the path. */
export const NOTHING_MOUNTED_STATUS = 1;

/** Mounts the share with the fstab line's options. */
export function mountShare(
  exportSource: string,
  mountPath: string,
  options: readonly string[],
): { argv: string[] } {
  return { argv: ['mount', '-t', 'nfs4', '-o', options.join(','), exportSource, mountPath] };
}

/** Unmounts what is mounted on top of the path. */
export function unmountPath(mountPath: string): { argv: string[] } {
  return { argv: ['umount', mountPath] };
}

/** Owner and mode of a path, as `uid:gid mode` (mode as `stat -c %a` prints it). */
export function ownerAndMode(path: string): { argv: string[] } {
  return { argv: ['stat', '-c', '%u:%g %a', '--', path] };
}

/** Commands every client needs: the NFS mount helper and what the steps and checks run. */
export const CLIENT_COMMANDS = [
  'mount.nfs4',
  'findmnt',
  'flock',
  'setpriv',
  'getent',
  'groupadd',
  'useradd',
  'stat',
];
export const SERVER_COMMANDS = ['exportfs', 'getent', 'stat'];
