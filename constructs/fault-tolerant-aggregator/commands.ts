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
 * then). $1 installer, $2 unpack directory (IATEMPDIR), $3 install directory, $4 record file, $5
 * version ('' unknown), $6 staging directory (from MAKE_STAGING), $7 the installer's SHA-256 as
 * computed on the machine that runs terraform ('' when the installer was not uploaded).
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
IATEMPDIR=$2; export IATEMPDIR
"$1" -i silent -f "$r" </dev/null
rc=$?
rm -rf -- "$d"
[ "$rc" -eq 0 ] || exit "$rc"
[ -d "$3" ] || { printf 'the installer exited 0 but %s does not exist\\n' "$3" >&2; exit 65; }
mkdir -p -- "$(dirname -- "$4")" && rm -f -- "$4.tmp" && printf '%s %s\\n' "\${5:--}" "$(date -u +%Y%m%dT%H%M%SZ)" > "$4.tmp" && mv -f -- "$4.tmp" "$4"`;

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

/** Exit 0 when karaf.log under $1 holds the line $2; 1 when not (yet). */
export const READINESS_LOGGED = `for f in "$1"/apache-karaf-*/data/log/karaf.log; do
  [ -f "$f" ] && grep -Fq -- "$2" "$f" && exit 0
done
exit 1`;
