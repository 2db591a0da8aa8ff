/**
 * The remote commands: constant scripts, values only ever as arguments ($1, $2, … or sys.argv).
 * The network probes are small Python programs run by the host's python3 (RHEL's platform-python
 * when python3 is absent): a listener must bind on the target, and no other tool that can listen
 * on TCP and UDP is on every Linux server.
 */
import { PRIVATE_HOME_AS_BASE } from '../../src/dialect/posix';

/** Where this construct records what it installed (the vendor keeps no version file we may rely on). */
export const INSTALL_RECORDS = '/var/lib/cdktf-failover/installed';
/**
 * The name every staging directory starts with: `mktemp -d` adds ten random characters. A fixed,
 * shared path (what releases before this one used) can be made first by any local user, who then
 * owns it and what is written in it.
 */
export const STAGING_PREFIX = '.cdktf-failover-stage.';

/** Runs the Python program $1 with the remaining arguments under python3 or platform-python. */
export const RUN_PYTHON = `py=$(command -v python3 2>/dev/null) || py=/usr/libexec/platform-python
[ -x "$py" ] || { echo 'neither python3 nor /usr/libexec/platform-python is installed' >&2; exit 127; }
prog=$1; shift; exec "$py" -c "$prog" "$@"`;

/**
 * Facts of one host, as key=value lines. $1 installer path ('' when uploaded), $2 unpack
 * directory, $3 install directory, $4 install record.
 */
export const HOST_FACTS = `printf 'os=%s\\n' "$(uname -s)"
py=$(command -v python3 2>/dev/null) || { [ -x /usr/libexec/platform-python ] && py=/usr/libexec/platform-python; }
printf 'python=%s\\n' "$py"
if [ -n "$1" ]; then
  if [ ! -e "$1" ]; then echo installer=missing; elif [ -d "$1" ] || [ ! -x "$1" ]; then echo installer=not-executable; else echo installer=executable; fi
fi
d=$2; while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done
printf 'unpack=%s\\n' "$d"
printf 'freeKiB=%s\\n' "$(df -Pk -- "$d" | awk 'NR==2 {print $4}')"
if [ -d "$3" ]; then echo installed=yes; else echo installed=no; fi
if [ -f "$4" ]; then printf 'recorded=%s\\n' "$(head -n 1 -- "$4")"; fi`;

/**
 * A short-lived listener standing in for services not installed yet. argv: token, ready file,
 * seconds, "bind" or "inspect", then "tcp:PORT:N" / "udp:PORT:N" (N probes expected). A port some
 * program already listens on (read from /proc/net, never by binding it) is busy. With "bind" it
 * listens on the others and counts probes carrying the token until all arrived or the time is up;
 * with "inspect" it only reports. The busy ports go to the ready file; at the end it prints
 * {"busy": [...], "received": ["tcp:8300:lab-a", ...]}.
 */
export const LISTENER_PY = `import json, os, select, socket, sys, time
token, ready, seconds, mode = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
def in_use(proto):
    ports = set()
    for name in (proto, proto + '6'):
        try:
            with open('/proc/net/' + name) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if proto == 'udp' or fields[3] == '0A':
                ports.add(int(fields[1].rsplit(':', 1)[1], 16))
    return ports
used = {'tcp': in_use('tcp'), 'udp': in_use('udp')}
socks, busy, expected, received, conns = {}, [], 0, set(), {}
for spec in sys.argv[5:]:
    proto, port, count = spec.split(':')
    if int(port) in used[proto]:
        busy.append(proto + ':' + port)
        continue
    if mode != 'bind':
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('', int(port)))
        if proto == 'tcp':
            s.listen(16)
    except OSError:
        s.close()
        busy.append(proto + ':' + port)
        continue
    s.setblocking(False)
    socks[s] = (proto, port)
    expected += int(count)
with open(ready + '.tmp', 'w') as f:
    f.write(json.dumps(busy))
os.replace(ready + '.tmp', ready)
def note(data, proto, port):
    words = data.decode('ascii', 'replace').split()
    if len(words) == 2 and words[0] == token:
        received.add(proto + ':' + port + ':' + words[1])
end = time.time() + seconds
while time.time() < end and len(received) < expected:
    readable, _, _ = select.select(list(socks) + list(conns), [], [], 0.1)
    for s in readable:
        if s in socks and socks[s][0] == 'tcp':
            c, _ = s.accept()
            c.setblocking(False)
            conns[c] = socks[s][1]
        elif s in socks:
            data, _ = s.recvfrom(512)
            note(data, 'udp', socks[s][1])
        else:
            try:
                data = s.recv(512)
            except OSError:
                data = b''
            note(data, 'tcp', conns[s])
            s.close()
            del conns[s]
print(json.dumps({'busy': busy, 'received': sorted(received)}))`;

/**
 * Probes from one host. argv: token, own label, seconds per TCP connect, then
 * "tcp|udp:ADDRESS:PORT:token|connect". TCP connects (and sends the token when asked); UDP sends
 * the token three times. Prints one JSON list: {"spec": ..., "ok": bool, "error": "..."}.
 */
export const PROBE_PY = `import json, socket, sys, time
token, label, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
results = []
for spec in sys.argv[4:]:
    proto, rest = spec.split(':', 1)
    address, port, mode = rest.rsplit(':', 2)
    message = (token + ' ' + label + '\\n').encode()
    try:
        family = socket.getaddrinfo(address, int(port))[0][0]
        if proto == 'tcp':
            s = socket.create_connection((address, int(port)), timeout=seconds)
            if mode == 'token':
                s.sendall(message)
            s.close()
        else:
            s = socket.socket(family, socket.SOCK_DGRAM)
            for _ in range(3):
                s.sendto(message, (address, int(port)))
                time.sleep(0.05)
            s.close()
        results.append({'spec': spec, 'ok': True})
    except socket.timeout:
        results.append({'spec': spec, 'ok': False, 'error': 'no answer within %g s' % seconds})
    except OSError as e:
        results.append({'spec': spec, 'ok': False, 'error': e.strerror or str(e)})
print(json.dumps(results))`;

/**
 * Refuses (exit 64) a $d that is not a staging directory this login made: the name MAKE_STAGING
 * gives, a real directory (not a link to one), owned by the login. The path comes back from the
 * host, so a script that writes or removes in it checks it first.
 */
const CHECK_STAGING = `case $d in
  /*/${STAGING_PREFIX}??????????) ;;
  *) printf '%s is not a staging directory of cdktf-failover\\n' "$d" >&2; exit 64 ;;
esac
[ -d "$d" ] && [ ! -h "$d" ] && [ -O "$d" ] || { printf '%s is not a directory of this login\\n' "$d" >&2; exit 64; }`;

/**
 * Makes a private staging directory for one install and prints its path: new for each run
 * (`mktemp -d` refuses a name that exists), mode 0700, owned by the login, so no other user can
 * create, read, link or swap anything in it. Under the login's home when the login owns it and
 * nobody else may write there; else under /var/tmp, whose sticky bit keeps other users from
 * renaming or removing what is ours (a home that is shared or cannot be written falls back too).
 */
export const MAKE_STAGING = `umask 077
base=/var/tmp
${PRIVATE_HOME_AS_BASE}
d=$(mktemp -d "$base/${STAGING_PREFIX}XXXXXXXXXX" 2>/dev/null) || d=$(mktemp -d "/var/tmp/${STAGING_PREFIX}XXXXXXXXXX") || exit 70
chmod 0700 -- "$d" || { rmdir -- "$d"; exit 70; }
printf '%s\\n' "$d"`;

/**
 * Receives an installer from stdin into the staging directory $1 as the file named $2, executable
 * by the login only. The name must not exist yet: noclobber (O_EXCL) refuses a file or a link
 * there rather than write through it.
 */
export const RECEIVE_INSTALLER = `umask 077
set -C
d=$1
${CHECK_STAGING}
case $2 in '' | . | .. | */*) printf 'not a file name: %s\\n' "$2" >&2; exit 64 ;; esac
f=$d/$2
[ ! -e "$f" ] && [ ! -h "$f" ] || { printf '%s exists already\\n' "$f" >&2; exit 70; }
cat > "$f" && chmod 0700 -- "$f"`;

/** The exit status of RUN_INSTALLER when the installer on the host is not the uploaded file: nothing ran. */
export const INSTALLER_ALTERED_STATUS = 97;
/** How RUN_INSTALLER's message on that refusal starts, to tell it from an installer exiting 97. */
export const INSTALLER_ALTERED_MESSAGE = 'cdktf-failover refused to run';

/**
 * Runs an installer with a response file read from stdin, in the staging directory, which is
 * removed whatever happens (a kill by the runner's timeout runs no trap: the handler removes it
 * then). $1 installer, $2 unpack directory (IATEMPDIR), $3 install directory, $4 the completion
 * record, removed before the installer touches the directory (the handler writes it again only
 * once the install is verified, so an installer that fails midway leaves no record), $5 the
 * version it installs ('' unknown; for messages), $6 staging directory (from MAKE_STAGING), $7 the
 * installer's SHA-256 as computed on the machine that runs terraform ('' when the installer was
 * not uploaded).
 */
export const RUN_INSTALLER = `umask 077
set -C
d=$6
${CHECK_STAGING}
trap 'rm -rf -- "$d"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
r=$d/response.properties
cat > "$r" || exit 70
if [ -n "$7" ]; then
  sum=$(sha256sum < "$1") || exit 70
  sum=\${sum%% *}
  if [ "$sum" != "$7" ]; then
    printf '${INSTALLER_ALTERED_MESSAGE} %s: its SHA-256 is %s, not %s of the file uploaded from this machine, so it was changed after the upload\\n' "$1" "$sum" "$7" >&2
    exit ${INSTALLER_ALTERED_STATUS}
  fi
fi
rm -f -- "$4" || exit 70
IATEMPDIR=$2; export IATEMPDIR
"$1" -i silent -f "$r" </dev/null
rc=$?
rm -rf -- "$d"
[ "$rc" -eq 0 ] || exit "$rc"
[ -d "$3" ] || { printf 'the installer (version %s) exited 0 but %s does not exist\\n' "\${5:-not declared}" "$3" >&2; exit 65; }`;

/** Removes a staging directory that a cut-off or failed run left; nothing when it is gone. $1 the directory. */
export const REMOVE_STAGING = `d=$1
[ -e "$d" ] || [ -h "$d" ] || exit 0
${CHECK_STAGING}
rm -rf -- "$d"`;

/** The SHA-256 of $1, or exit 3 when it does not exist. */
export const SHA256_OF = `[ -f "$1" ] || exit 3; sha256sum -- "$1" | cut -d' ' -f1`;

/** `<install dir>/scripts/dadaemon <verb>`; exit 127 when the aggregator is not installed there. */
export const DADAEMON_VERB = `[ -x "$1/scripts/dadaemon" ] || { printf 'no %s/scripts/dadaemon\\n' "$1" >&2; exit 127; }
exec "$1/scripts/dadaemon" "$2"`;

/**
 * The aggregator's current start and its readiness lines, as lines parseDaRun reads. $1 install
 * directory, $2 the log files (a glob relative to $1, current and rotated), $3 the readiness line.
 *
 * - `process=PID STARTED OFFSET` for each process whose command line names its Karaf home or base
 *   under $1 (`-Dkaraf.home=$1/apache-karaf-…`, as Apache Karaf's launcher passes it): the DA
 *   process. STARTED is its start in epoch seconds (/proc/PID/stat, to the clock tick), OFFSET the
 *   host's UTC offset then, for the log's local timestamps. None on a standby, which runs no DA.
 * - `logged=FILE<TAB>LINE`: the last readiness line of each log file that has one (gzip files are
 *   read through gzip -dc); `logs=N`: how many files the glob matched.
 */
export const DA_RUN = `dir=$1 logs=$2 line=$3
hz=$(getconf CLK_TCK 2>/dev/null) || hz=100
boot=$(awk '$1 == "btime" { print $2 }' /proc/stat)
home="-Dkaraf.home=$dir/apache-karaf-" base="-Dkaraf.base=$dir/apache-karaf-"
export home base
for p in /proc/[0-9]*; do
  tr '\\0' '\\n' < "$p/cmdline" 2>/dev/null |
    awk 'index($0, ENVIRON["home"]) == 1 || index($0, ENVIRON["base"]) == 1 { found = 1 } END { exit !found }' || continue
  ticks=$(awk '{ sub(/.*\\) /, ""); print $20 }' "$p/stat" 2>/dev/null)
  case $ticks in '' | *[!0-9]*) continue ;; esac
  started=$(awk -v b="$boot" -v t="$ticks" -v h="$hz" 'BEGIN { printf "%.2f", b + t / h }')
  printf 'process=%s %s %s\\n' "\${p#/proc/}" "$started" "$(date -d "@\${started%.*}" +%z 2>/dev/null)"
done
IFS=
n=0
for f in "$dir"/$logs; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  case $f in
    *.gz) last=$(gzip -dc -- "$f" 2>/dev/null | grep -F -- "$line" | tail -n 1) ;;
    *) last=$(grep -F -- "$line" "$f" 2>/dev/null | tail -n 1) ;;
  esac
  [ -z "$last" ] || printf 'logged=%s\\t%s\\n' "$f" "$last"
done
printf 'logs=%s\\n' "$n"`;

/** The name of the shared directory's probe file; the preflight adds a random token. */
export const SHARE_PROBE_PREFIX = '.cdktf-failover-account-check-';
/** Exit status of flock(1) when another process holds the lock (its `-E`). */
export const SHARE_LOCK_CONFLICT_STATUS = 75;

/**
 * As the account, in the share: $1 the probe file, a new name. Creates it with its final mode
 * (umask, no chmod after) and only if it does not exist (noclobber: O_EXCL), so no file of anyone
 * else is ever touched; takes an exclusive lock on it through a descriptor open for writing (NFSv4
 * grants an exclusive lock only then, and ActiveMQ's KahaDB lock is such a lock); deletes it, also
 * when a stage failed or the session ends. Prints `stage=ok` or `stage=failed <message>` lines.
 */
export const SHARE_WRITE_LOCK_DELETE = `umask 077
f=$1
one_line() { printf '%s' "$1" | tr '\\n' ' '; }
if ! err=$( (set -C; : > "$f") 2>&1 ); then printf 'create=failed %s\\n' "$(one_line "$err")"; exit 0; fi
trap 'rm -f -- "$f"' EXIT
trap 'rm -f -- "$f"; exit 1' HUP INT TERM
echo 'create=ok'
printf 'file=%s\\n' "$(stat -c '%u' -- "$f" 2>/dev/null)"
if err=$( { exec 9>>"$f" && flock -x -n -E ${SHARE_LOCK_CONFLICT_STATUS} 9; } 2>&1 ); then echo 'lock=ok'
elif [ $? -eq ${SHARE_LOCK_CONFLICT_STATUS} ]; then echo 'lock=conflict'
else printf 'lock=failed %s\\n' "$(one_line "$err")"; fi
if err=$(rm -f -- "$f" 2>&1) && [ ! -e "$f" ]; then echo 'remove=ok'
else printf 'remove=failed %s\\n' "$(one_line "$err")"; fi`;

/**
 * The account the aggregators write the share as, on one aggregator: $1 the account, $2 the mount
 * path, $3 the probe file's name, $4 SHARE_WRITE_LOCK_DELETE. Prints its IDs (or `account=missing`),
 * whether the share is mounted there, and, when it is, the mount point's owner and mode and the
 * probe's stages, run as the account with setpriv: the account's own UID, GID and groups, with no
 * PAM session and no login shell (service accounts often have none, which su refuses), and root
 * keeps its privileges, as a DA running as root would. NfsSharedDir already needs setpriv on the
 * aggregators for its own checks.
 */
export const SHARE_ACCOUNT_PROBE = `if ! uid=$(id -u "$1" 2>/dev/null); then echo 'account=missing'; exit 0; fi
gid=$(id -g "$1")
printf 'account=present\\nuid=%s\\ngid=%s\\ngroups=%s\\n' "$uid" "$gid" "$(id -G "$1")"
if ! findmnt -n -o TARGET -M "$2" >/dev/null 2>&1; then echo 'mounted=no'; exit 0; fi
echo 'mounted=yes'
printf 'share=%s\\n' "$(stat -c '%u:%g:%a' -- "$2" 2>/dev/null)"
exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- sh -c "$4" sh "$2/$3"`;

/**
 * What the host is connected to over TCP, as the kernel lists it (iproute2's `ss`, on every
 * supported RHEL, OL and SLES), whatever a service's status says (a hung collector's status still
 * says it runs, KB 233704). argv: the aggregators' addresses, each printed first with what it
 * resolves to on this host ("address<TAB>NAME<TAB>IP…"), then "--", then `ss -tn state established`.
 */
export const ESTABLISHED_TCP = `command -v ss >/dev/null 2>&1 || { echo 'ss (iproute2) is not installed' >&2; exit 127; }
for a in "$@"; do
  printf 'address\t%s' "$a"
  getent ahosts "$a" 2>/dev/null | awk '{print $1}' | sort -u | while read -r ip; do printf '\t%s' "$ip"; done
  printf '\n'
done
echo --
exec ss -tn state established`;
