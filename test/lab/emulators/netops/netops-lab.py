#!/usr/bin/python3
"""
Lab emulation of DX NetOps Performance Management's fault-tolerant data aggregator surface on one
lab host. The same file is installed under several names and acts on the name it was called by:

  service      `service <name> start|stop|restart|status` for dadaemon, activemq, consul and dcmd
               when this host has the component that owns the name; any other name goes to the
               real /usr/sbin/service.
  vsql         `vsql -h HOST -p PORT -U USER [-w PASSWORD] -c SQL`, the password from VSQL_PASSWORD
               as the real client reads it, against the emulated data repository listener.
  netops-lab   everything else, by its first argument:
                 install COMPONENT VERSION PROGRAM ARGS...   the InstallAnywhere installer (the .bin
                                                             wrapper written by setup.ts calls this)
                 dadaemon INSTALL_DIR VERB                   <install dir>/scripts/dadaemon
                 repository start|stop|status                the data repository listener
                 lab-state NAME                              a daemon's state as JSON (for tests)
                 parse-properties FILE                       a response file as JSON (for tests)
                 run NAME ARGS...                            a daemon's own process (internal)

Host-local state:
  /var/lib/netops-lab/installs.log            one JSON line per installer run
  /var/lib/netops-lab/components/<c>.json     {"dir", "version"} of each installed component
  /var/lib/netops-lab/run/<daemon>.lock|.pid  a daemon holds its .lock (flock) while it runs
  /var/lib/netops-lab/state/<daemon>.json     what each daemon reports about itself
  /var/lib/netops-lab/dadaemon.mode           "maintenance" while the DA is in maintenance
  /var/lib/netops-lab/knobs/                  force-da-status, da-status-format, keep-activemq-after-maintenance,
                                              da-readiness-withheld, karaf-log-rotate-after-ready
  /var/lib/netops-lab/consul/members.json     the Consul server's remembered members
  /var/lib/netops-lab/repository/config.json  port, user and password of the data repository
  <install dir>/.lab/                         component, version, answers.json (0600)
  /var/log/netops-lab/<daemon>.log            each daemon's own output

Daemons (each started detached with setsid, so it belongs to the host and ends with it):
  dadaemon    the data aggregator: Active when it holds the exclusive flock on
              <shared dir>/.lab-da-active.lock, Inactive while the other DA holds it, Failed when
              the shared directory is missing or not writable. Only the Active one runs the DA
              process (-Dkaraf.home=... on its command line): ActiveMQ, TCP 8581, the readiness
              line in karaf.log. The standby runs a watcher (da-standby) that retries the lock
              every 0.5 s and starts the DA process once it has it (KB 106988).
  activemq    the broker: holds <shared dir>/activemq-data/kahadb/lock (or waits for it), TCP 61616.
  consul      on the proxy the Consul server, on a DA host its agent. Both listen on TCP 8300,
              TCP 8301, UDP 8301 and the HTTP API on TCP 8500. Membership is real UDP: an agent
              sends a gossip datagram to the proxy's UDP 8301 every 0.25 s carrying its DA state,
              the server answers each from its UDP 8301 with its view of the cluster. A member is
              alive while the server heard it within 3 s and it heard the server within 3 s, so a
              firewall on either side of UDP 8301 makes it failed. The agents also reach each
              other (UDP 8301, TCP 8300 and 8301): a link between the DAs that fails makes both
              failed.
  dcmd        the data collector: connects at start to its DA (else the failover DA) on TCP 8581,
              then to that DA's ActiveMQ on TCP 61616; when no DA answers then, it hangs (running,
              never connected), and a restart leaves it hung: only stop, then start repairs it.
  dcmd-icmp   the collector's ICMP process, which survives a restart of dcmd (KB 233704).
  repository  the data repository (Vertica) listener on TCP 5433 unless configured otherwise.
"""
import datetime
import fcntl
import http.server
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

CORE = '/lab/bin/netops-lab'
BASE = '/var/lib/netops-lab'
RUN_DIR = BASE + '/run'
STATE_DIR = BASE + '/state'
KNOBS = BASE + '/knobs'
COMPONENTS = BASE + '/components'
INSTALLS_LOG = BASE + '/installs.log'
UNPLANNED_FAILOVERS_LOG = BASE + '/unplanned-failovers.log'
DA_MODE = BASE + '/dadaemon.mode'
CONSUL_MEMBERS = BASE + '/consul/members.json'
REPOSITORY_CONFIG = BASE + '/repository/config.json'
LOG_DIR = '/var/log/netops-lab'

KARAF = 'apache-karaf-4.4.3'
READY_MESSAGE = 'Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr'
DA_LOCK = '.lab-da-active.lock'
KAHADB = 'activemq-data/kahadb'
DA_SERVICE = 'lab-data-aggregator'
DA_STATES = ('Active', 'Inactive', 'Maintenance', 'Failed')

CONSUL_RPC_PORT = 8300
SERF_LAN_PORT = 8301
CONSUL_HTTP_PORT = 8500
DA_WEB_PORT = 8581
OPENWIRE_PORT = 61616
REPOSITORY_PORT = 5433

GOSSIP_EVERY = 0.25
ALIVE_WINDOW = 3.0
LOCK_RETRY = 0.5
# Daemons end on their own after this long: a forgotten lab host never runs them for ever.
MAX_LIFETIME = 6 * 3600

COMPONENT_KEYS = {
    'aggregator': ['LAB_SHARED_DIR', 'LAB_PROXY_HOST', 'LAB_DB_HOST', 'LAB_DB_PORT', 'LAB_DB_USER',
                   'LAB_DB_PASSWORD'],
    'collector': ['LAB_DA_HOST', 'LAB_FAILOVER_DA_HOST'],
    'proxy': [],
    'portal': [],
}
COMPONENT_TITLES = {
    'aggregator': 'Data Aggregator',
    'collector': 'Data Collector',
    'proxy': 'Fault Tolerance Proxy Server',
    'portal': 'NetOps Portal',
}

STOP = threading.Event()


# ---------------------------------------------------------------- small helpers

def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = '%s.tmp-%d-%d' % (path, os.getpid(), threading.get_ident())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def read_json(path, default=None):
    text = read(path)
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def write_json(path, value, mode=0o644):
    write(path, json.dumps(value, indent=2, sort_keys=True) + '\n', mode)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def err(message):
    sys.stderr.write(message + '\n')


def node_name():
    return socket.gethostname()


def own_address():
    """The address this host sends from on the lab network (a UDP connect sends nothing)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(('198.18.0.1', 9))
        return s.getsockname()[0]
    except OSError:
        return '127.0.0.1'
    finally:
        s.close()


def resolve(host):
    try:
        return socket.gethostbyname(host)
    except (OSError, UnicodeError):
        return None


def knob(name):
    return read('%s/%s' % (KNOBS, name))


def component(name):
    """The registry entry of an installed component on this host, or None."""
    return read_json('%s/%s.json' % (COMPONENTS, name))


def answers_of(install_dir):
    return read_json(install_dir + '/.lab/answers.json', {})


def wait_until(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


# ---------------------------------------------------------------- daemons

def lock_path(name):
    return '%s/%s.lock' % (RUN_DIR, name)


def state_path(name):
    return '%s/%s.json' % (STATE_DIR, name)


def is_running(name):
    """A daemon holds an exclusive flock on its lock file for its whole life; a dead one holds nothing."""
    try:
        fd = os.open(lock_path(name), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def daemon_pid(name):
    if not is_running(name):
        return None
    text = read('%s/%s.pid' % (RUN_DIR, name), '')
    return int(text) if text.strip().isdigit() else None


def claim(name):
    """In the daemon: its singleton lock, kept for the process's life. None when another one runs."""
    os.makedirs(RUN_DIR, exist_ok=True)
    fd = os.open(lock_path(name), os.O_RDWR | os.O_CREAT, 0o644)
    # A status check holds a shared lock for an instant: retry a little before giving up.
    deadline = time.monotonic() + 2
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(0.05)
    write('%s/%s.pid' % (RUN_DIR, name), '%d\n' % os.getpid())
    return fd


def spawn(name, args, timeout=5.0):
    """Starts a daemon detached from the caller (setsid, own session, parent the host's init)."""
    os.makedirs(LOG_DIR, exist_ok=True)
    with open('%s/%s.log' % (LOG_DIR, name), 'ab') as log, open(os.devnull, 'rb') as null:
        subprocess.run(['/usr/bin/setsid', '-f', '/usr/bin/python3', CORE, 'run', name] + list(args),
                       stdin=null, stdout=log, stderr=log, timeout=10, check=False)
    return wait_until(lambda: is_running(name), timeout)


def stop_daemon(name, timeout=15.0):
    """SIGTERM, then SIGKILL after the timeout. True when it was running."""
    pid = daemon_pid(name)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    if not wait_until(lambda: not is_running(name), timeout):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wait_until(lambda: not is_running(name), 3)
    return True


def daemon_state(name):
    state = read_json(state_path(name), {}) or {}
    running = is_running(name)
    state['running'] = running
    if running:
        state['pid'] = daemon_pid(name)
    return state


class StateFile:
    """A daemon's own report, rewritten whole on every change (readers never see half of it)."""

    def __init__(self, name, **initial):
        self.name = name
        self.lock = threading.Lock()
        self.value = dict(initial, pid=os.getpid(), started=now_iso())
        self.save()

    def update(self, **changes):
        with self.lock:
            self.value.update(changes)
            write_json(state_path(self.name), self.value)

    def save(self):
        self.update()

    def get(self, key, default=None):
        with self.lock:
            return self.value.get(key, default)


def on_terminate(*_):
    STOP.set()


def lifetime_left(started):
    return time.monotonic() - started < MAX_LIFETIME


class TcpListener:
    """Listens on 0.0.0.0:port; each connection goes to `handler` in its own thread (or is closed)."""

    def __init__(self, port, handler=None):
        self.port = port
        self.handler = handler
        self.closed = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('0.0.0.0', port))
        self.sock.listen(64)
        self.sock.settimeout(0.25)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while not self.closed.is_set() and not STOP.is_set():
            try:
                conn, peer = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            if self.handler:
                threading.Thread(target=self.handler, args=(conn, peer), daemon=True).start()
            else:
                conn.close()

    def close(self):
        self.closed.set()
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- Java properties (response files)

def ends_continued(line):
    """An odd number of trailing backslashes continues the logical line."""
    count = len(line) - len(line.rstrip('\\'))
    return count % 2 == 1


def split_key_value(line):
    """Key up to the first unescaped '=', ':' or white space; one separator and white space skipped."""
    n = len(line)
    key_end = value_start = n
    has_separator = False
    backslash = False
    for i, c in enumerate(line):
        if c in '=:' and not backslash:
            key_end, value_start, has_separator = i, i + 1, True
            break
        if c in ' \t\f' and not backslash:
            key_end, value_start = i, i + 1
            break
        backslash = c == '\\' and not backslash
    j = value_start
    while j < n:
        c = line[j]
        if c not in ' \t\f':
            if not has_separator and c in '=:':
                has_separator = True
            else:
                break
        j += 1
    return line[:key_end], line[j:]


def unescape(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if c != '\\':
            out.append(c)
            continue
        if i >= n:
            break
        c = text[i]
        i += 1
        if c == 'u':
            digits = text[i:i + 4]
            if not re.fullmatch(r'[0-9a-fA-F]{4}', digits):
                raise ValueError('Malformed \\uxxxx encoding.')
            out.append(chr(int(digits, 16)))
            i += 4
        else:
            out.append({'t': '\t', 'r': '\r', 'n': '\n', 'f': '\f'}.get(c, c))
    # \uD83D\uDE00 pairs become one character, as Java's UTF-16 strings hold them.
    return ''.join(out).encode('utf-16-le', 'surrogatepass').decode('utf-16-le', 'surrogatepass')


def parse_properties(data):
    """java.util.Properties.load(InputStream): ISO-8859-1 text, comments, continuations, escapes."""
    text = data.decode('latin-1') if isinstance(data, bytes) else data
    lines = re.split(r'\r\n|\r|\n', text)
    props = {}
    i = 0
    while i < len(lines):
        line = lines[i].lstrip(' \t\f')
        i += 1
        if not line or line[0] in '#!':
            continue
        while ends_continued(line):
            line = line[:-1]
            if i >= len(lines):
                break
            line += lines[i].lstrip(' \t\f')
            i += 1
        key, value = split_key_value(line)
        props[unescape(key)] = unescape(value)
    return props


# ---------------------------------------------------------------- the InstallAnywhere installer

def log_install(entry):
    os.makedirs(BASE, exist_ok=True)
    with open(INSTALLS_LOG, 'a') as f:
        f.write(json.dumps(entry, sort_keys=True) + '\n')


def log_unplanned_failover(install_dir, version):
    """An installer stopped the Active DA: the other one takes over without anyone asking for it."""
    os.makedirs(BASE, exist_ok=True)
    with open(UNPLANNED_FAILOVERS_LOG, 'a') as f:
        f.write(json.dumps({'time': now_iso(), 'dir': install_dir, 'version': version,
                            'reason': 'the installer stopped the Active Data Aggregator'}, sort_keys=True) + '\n')


def fails_midway(kind):
    """Knob fail-install-midway: the installer of these components (one per line) stops halfway."""
    chosen = knob('fail-install-midway')
    return chosen is not None and kind in chosen.split()


def aggregator_was_active():
    """Before an upgrade: whether this host's DA is the Active one (its DA process runs)."""
    current = da_current()
    return current is not None and current.get('state') == 'Active'


def installer_args(program, argv):
    """-i silent -f FILE, in either order; None for anything else."""
    options = {}
    i = 0
    while i < len(argv):
        flag = argv[i]
        if flag not in ('-i', '-f') or flag in options or i + 1 >= len(argv):
            return None
        options[flag] = argv[i + 1]
        i += 2
    if options.get('-i', '').lower() != 'silent' or not options.get('-f'):
        return None
    return options['-f']


def write_component_files(kind, install_dir, version):
    os.makedirs(install_dir, exist_ok=True)
    os.makedirs(install_dir + '/.lab', mode=0o700, exist_ok=True)
    os.chmod(install_dir + '/.lab', 0o700)
    quoted = "'%s'" % install_dir.replace("'", "'\\''")
    if kind == 'aggregator':
        os.makedirs('%s/%s/data/log' % (install_dir, KARAF), exist_ok=True)
        os.makedirs('%s/%s/etc' % (install_dir, KARAF), exist_ok=True)
        write(install_dir + '/scripts/dadaemon',
              '#!/bin/sh\n# Data Aggregator service control (lab emulation).\n'
              'exec /usr/bin/python3 %s dadaemon %s "$@"\n' % (CORE, quoted), 0o755)
    elif kind == 'collector':
        os.makedirs(install_dir + '/bin', exist_ok=True)
        write(install_dir + '/bin/dcmd', '#!/bin/sh\n# Data Collector service control (lab emulation).\n'
              'exec /usr/bin/python3 %s service dcmd "$@"\n' % CORE, 0o755)
    elif kind == 'proxy':
        os.makedirs(install_dir + '/consul/data', exist_ok=True)
    elif kind == 'portal':
        os.makedirs(install_dir + '/PerformanceCenter', exist_ok=True)
    write(install_dir + '/.lab/version', version + '\n')
    write(install_dir + '/.lab/component', kind + '\n')


def stop_component(kind):
    if kind == 'aggregator':
        # The standby's watcher and the DA process alike: a stopped Active one hands over the lock.
        da_stop()
        stop_daemon('activemq')
        stop_daemon('consul')
    elif kind == 'collector':
        stop_daemon('dcmd')
    elif kind == 'proxy':
        stop_daemon('consul')


def start_component(kind, install_dir):
    """Starts what the component runs; returns the problems (empty when all started)."""
    problems = []
    if kind == 'aggregator':
        if not spawn('consul', ['agent', install_dir]):
            problems.append('the Consul agent did not start (see %s/consul.log)' % LOG_DIR)
        if read(DA_MODE, '').strip() != 'maintenance' and da_start(install_dir) is None:
            problems.append('the Data Aggregator did not start (see %s/dadaemon.log)' % LOG_DIR)
    elif kind == 'collector':
        if not dcmd_start(install_dir):
            problems.append('dcmd did not start (see %s/dcmd.log)' % LOG_DIR)
    elif kind == 'proxy':
        if not spawn('consul', ['server', install_dir]):
            problems.append('the Consul server did not start (see %s/consul.log)' % LOG_DIR)
    return problems


def install(argv):
    if len(argv) < 3 or argv[0] not in COMPONENT_KEYS:
        err('netops-lab install: expected COMPONENT VERSION PROGRAM [ARGS...]')
        return 2
    kind, version, program = argv[0], argv[1], argv[2]
    response = installer_args(program, argv[3:])
    if response is None:
        err('Usage: %s -i silent -f <response file>' % program)
        return 1
    response = os.path.abspath(response)
    entry = {'time': now_iso(), 'component': kind, 'version': version, 'responseFile': response,
             'installer': program}
    print('Preparing to install %s %s...' % (COMPONENT_TITLES[kind], version))

    def fail(messages):
        for message in messages:
            err('Installation failed: ' + message)
        log_install(dict(entry, result='failed', errors=messages))
        return 2

    try:
        with open(response, 'rb') as f:
            props = parse_properties(f.read())
    except OSError as e:
        return fail(['cannot read the response file %s: %s' % (response, e.strerror)])
    except ValueError as e:
        return fail(['the response file %s cannot be read: %s' % (response, e)])

    install_dir = props.get('USER_INSTALL_DIR', '').strip()
    entry['dir'] = install_dir
    installed_kind = read(install_dir + '/.lab/component', '').strip() if install_dir else ''
    # An upgrade needs a finished install: a run that stopped midway saved no answers, so the next
    # run installs over it and asks them again.
    upgrade = installed_kind == kind and os.path.exists(install_dir + '/.lab/answers.json')
    # The fault-tolerance answers are asked once, at the first install; an upgrade reuses them.
    required = ['USER_INSTALL_DIR'] + ([] if upgrade else COMPONENT_KEYS[kind])
    problems = []
    for key in required:
        if key not in props:
            problems.append('required property %s is missing' % key)
        elif props[key].strip() == '':
            problems.append('required property %s is empty' % key)
    if install_dir and not install_dir.startswith('/'):
        problems.append('USER_INSTALL_DIR must be an absolute path, got %s' % install_dir)
    if installed_kind and installed_kind != kind:
        problems.append('%s already holds the %s, not the %s' % (
            install_dir, COMPONENT_TITLES.get(installed_kind, installed_kind), COMPONENT_TITLES[kind]))
    other = component(kind)
    if other and install_dir and other.get('dir') != install_dir:
        problems.append('the %s is already installed in %s' % (COMPONENT_TITLES[kind], other.get('dir')))
    port = props.get('LAB_DB_PORT', '').strip()
    if kind == 'aggregator' and not upgrade and port and not (port.isdigit() and 0 < int(port) < 65536):
        problems.append('property LAB_DB_PORT is not a port number: %s' % port)
    if problems:
        return fail(problems)

    if upgrade:
        saved = answers_of(install_dir)
        previous = read(install_dir + '/.lab/version', '').strip()
        print('Upgrading %s %s in %s to %s; the saved fault-tolerance settings are kept.' % (
            COMPONENT_TITLES[kind], previous, install_dir, version))
        was_active = kind == 'aggregator' and aggregator_was_active()
        stop_component(kind)
        if was_active:
            log_unplanned_failover(install_dir, version)
            entry['unplannedFailover'] = True
            print('Stopped the Active Data Aggregator: the other one takes over.')
    else:
        # Values are kept exactly as Properties.load gives them (a password may end in a space).
        saved = dict({key: props[key] for key in COMPONENT_KEYS[kind]}, USER_INSTALL_DIR=install_dir)
        print('Installing %s %s in %s...' % (COMPONENT_TITLES[kind], version, install_dir))
    write_component_files(kind, install_dir, version)
    if fails_midway(kind):
        # Half the files are in place (the version too), nothing else is: no answers, no registry, no service.
        return fail(['the installation stopped midway (lab knob fail-install-midway)'])
    # The product keeps its database credentials in its own configuration, readable by root only.
    write_json(install_dir + '/.lab/answers.json', saved, 0o600)
    write_json('%s/%s.json' % (COMPONENTS, kind), {'dir': install_dir, 'version': version})
    problems = start_component(kind, install_dir)
    for problem in problems:
        err('Warning: ' + problem)
    log_install(dict(entry, result='upgraded' if upgrade else 'installed', warnings=problems))
    print('Installation complete.')
    return 0


# ---------------------------------------------------------------- data aggregator

def karaf_log_path(install_dir):
    return '%s/%s/data/log/karaf.log' % (install_dir, KARAF)


def karaf_log(install_dir, message, logger='DataAggregator', level='INFO'):
    """One line as Karaf's default layout writes it: an ISO 8601 local time, then level, thread, logger."""
    stamp = datetime.datetime.now()
    line = '%s,%03d | %-5s | %-16s | %-30s | %s\n' % (
        stamp.strftime('%Y-%m-%dT%H:%M:%S'), stamp.microsecond // 1000, level, 'FelixStartLevel', logger,
        message)
    path = karaf_log_path(install_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'a') as f:
        f.write(line)


def rotate_karaf_log(install_dir, keep=5):
    """Rolls karaf.log over as a size-based RollingFile appender does: .1 is the newest old file."""
    path = karaf_log_path(install_dir)
    if not os.path.exists(path):
        return
    for i in range(keep - 1, 0, -1):
        if os.path.exists('%s.%d' % (path, i)):
            os.replace('%s.%d' % (path, i), '%s.%d' % (path, i + 1))
    os.replace(path, path + '.1')
    write(path, '')


def shared_usable(shared):
    if not shared:
        return False, 'no shared directory is configured'
    if not os.path.isdir(shared):
        return False, 'the shared directory %s does not exist' % shared
    if not os.access(shared, os.W_OK):
        return False, 'the shared directory %s is not writable' % shared
    try:
        os.close(os.open(os.path.join(shared, DA_LOCK), os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as e:
        return False, 'the shared directory %s is not writable: %s' % (shared, e.strerror)
    return True, ''


def try_exclusive(path):
    """An exclusive flock on path, or None while someone else holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


class WebServices:
    """TCP 8581 of the Active DA: HTTP GETs answer with the state; data collectors stay connected."""

    def __init__(self, state):
        self.state = state
        self.listener = None
        self.connections = {}
        self.lock = threading.Lock()
        self.closing = threading.Event()

    def open(self):
        self.closing.clear()
        self.listener = TcpListener(DA_WEB_PORT, self.handle)

    def handle(self, conn, peer):
        try:
            conn.settimeout(5)
            first = conn.makefile('rb').readline(1024).decode('latin-1', 'replace')
            if first.startswith('GET '):
                body = json.dumps({'state': self.state.get('state'), 'node': node_name()}) + '\n'
                conn.sendall(('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n'
                              'Connection: close\r\n\r\n%s' % (len(body), body)).encode())
                conn.close()
                return
            if not first.startswith('HELLO '):
                conn.close()
                return
            conn.sendall(('WELCOME %s:%d\n' % (own_address(), DA_WEB_PORT)).encode())
            with self.lock:
                self.connections[conn] = peer[0]
                self.report()
            conn.settimeout(0.5)
            while not STOP.is_set() and not self.closing.is_set():
                try:
                    if not conn.recv(1024):
                        break
                except socket.timeout:
                    continue
        except OSError:
            pass
        finally:
            with self.lock:
                if self.connections.pop(conn, None) is not None:
                    self.report()
            try:
                conn.close()
            except OSError:
                pass

    def report(self):
        self.state.update(collectors=sorted(self.connections.values()))

    def close(self):
        self.closing.set()
        if self.listener:
            self.listener.close()
            self.listener = None
        with self.lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()
            self.report()


# The DA as KB 106988 describes it: the Active one runs the DA process (Karaf, TCP 8581, ActiveMQ);
# the Inactive one runs none ("the DA will not start on that server, but it will be available to be
# failed over to"). What stands ready on the standby is a small watcher, in the role the vendor's
# service management plays: it waits for the Active lock in the shared directory and, once it has
# it, starts the DA process there, handing the lock over, and ends. Both report the DA's state in
# the same state file (state/dadaemon.json); lab-state dadaemon says whether the DA process runs.
DA_PROCESS = 'dadaemon'
DA_STANDBY = 'da-standby'


def karaf_home(install_dir):
    return '%s/%s' % (install_dir, KARAF)


def da_runs():
    """True while the DA process or, on the standby, its watcher runs."""
    return is_running(DA_PROCESS) or is_running(DA_STANDBY)


def in_maintenance():
    return read(DA_MODE, '').strip() == 'maintenance'


def spawn_da(install_dir, role, held=None, timeout=5.0):
    """Starts the DA process (role 'process', given the Active lock `held`) or the standby's watcher."""
    name = DA_PROCESS if role == 'process' else DA_STANDBY
    args = [install_dir, role]
    if role == 'process':
        # Karaf's launcher names its home on the java command line; the construct finds the DA by it.
        args += ['-Dkaraf.home=' + karaf_home(install_dir), str(held)]
    os.makedirs(LOG_DIR, exist_ok=True)
    with open('%s/%s.log' % (LOG_DIR, name), 'ab') as log, open(os.devnull, 'rb') as null:
        subprocess.run(['/usr/bin/setsid', '-f', '/usr/bin/python3', CORE, 'run', 'dadaemon'] + args,
                       stdin=null, stdout=log, stderr=log, timeout=10, check=False,
                       pass_fds=(held,) if held is not None else ())
    return wait_until(lambda: is_running(name), timeout)


def da_state_file(install_dir, shared, lock_file):
    return StateFile('dadaemon', installDir=install_dir, sharedDir=shared, lockFile=lock_file,
                     state='Starting', reason='', collectors=[])


def run_dadaemon(args):
    install_dir = args[0]
    if len(args) >= 4 and args[1] == 'process':
        return run_da_process(install_dir, int(args[3]))
    return run_da_standby(install_dir)


def run_da_standby(install_dir):
    """The standby: no Karaf, no port, no broker; Inactive until it wins the Active lock."""
    if claim(DA_STANDBY) is None:
        return 1
    started = time.monotonic()
    shared = answers_of(install_dir).get('LAB_SHARED_DIR', '')
    lock_file = os.path.join(shared, DA_LOCK) if shared else ''
    state = da_state_file(install_dir, shared, lock_file)

    def enter(new, reason=''):
        if state.get('state') != new or state.get('reason') != reason:
            state.update(state=new, reason=reason, since=now_iso())
            print('%s Data Aggregator status: %s%s' % (now_iso(), new, ' (%s)' % reason if reason else ''),
                  flush=True)

    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGUSR1, lambda *_: None)
    while not STOP.is_set() and lifetime_left(started):
        if in_maintenance():
            break
        usable, reason = shared_usable(shared)
        if not usable:
            enter('Failed', reason)
        else:
            held = try_exclusive(lock_file)
            if held is None:
                enter('Inactive')
            else:
                os.ftruncate(held, 0)
                os.pwrite(held, ('%s %d %s\n' % (node_name(), os.getpid(), now_iso())).encode(), 0)
                handed = spawn_da(install_dir, 'process', held)
                os.close(held)
                if handed:
                    # The DA process holds the lock now and writes the state: nothing more to do here.
                    print('%s failed over: the DA process runs' % now_iso(), flush=True)
                    return 0
                enter('Failed', 'the Data Aggregator process did not start (see %s/dadaemon.log)' % LOG_DIR)
        STOP.wait(LOCK_RETRY)
    enter('Maintenance' if in_maintenance() else 'Stopped')
    return 0


def run_da_process(install_dir, held):
    """The DA process, started holding the Active lock: ActiveMQ, TCP 8581, the readiness line."""
    if claim(DA_PROCESS) is None:
        os.close(held)
        return 1
    started = time.monotonic()
    shared = answers_of(install_dir).get('LAB_SHARED_DIR', '')
    lock_file = os.path.join(shared, DA_LOCK) if shared else ''
    state = da_state_file(install_dir, shared, lock_file)
    web = WebServices(state)
    karaf_log(install_dir, 'Data Aggregator starting (fault tolerant, shared directory %s)' % shared)

    def enter(new, reason=''):
        if state.get('state') != new or state.get('reason') != reason:
            state.update(state=new, reason=reason, since=now_iso())
            karaf_log(install_dir, 'Data Aggregator status: %s%s' % (new, ' (%s)' % reason if reason else ''),
                      level='WARN' if new == 'Failed' else 'INFO')

    def release(stop_broker):
        web.close()
        if stop_broker:
            stop_daemon('activemq')
        os.close(held)

    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGUSR1, lambda *_: None)
    if not is_running('activemq'):
        spawn('activemq', [shared])
    try:
        web.open()
    except OSError as e:
        release(True)
        enter('Failed', 'cannot listen on port %d: %s' % (DA_WEB_PORT, e.strerror))
        return 1
    enter('Active')
    if knob('da-readiness-withheld') is None:
        karaf_log(install_dir, READY_MESSAGE, logger='RequestProcessor')
        if knob('karaf-log-rotate-after-ready') is not None:
            rotate_karaf_log(install_dir)
    lost = ''
    while not STOP.is_set() and lifetime_left(started) and not in_maintenance():
        usable, reason = shared_usable(shared)
        if not usable:
            lost = reason
            break
        STOP.wait(LOCK_RETRY)
    maintenance = in_maintenance()
    keep = maintenance and knob('keep-activemq-after-maintenance') is not None
    release(not keep)
    if lost:
        # Without its shared directory the DA cannot run: the watcher reports Failed and retries.
        enter('Failed', lost)
        karaf_log(install_dir, 'Data Aggregator stopped: %s' % lost, level='WARN')
        spawn_da(install_dir, 'standby')
        return 0
    enter('Maintenance' if maintenance else 'Stopped')
    karaf_log(install_dir, 'Data Aggregator %s' % ('in maintenance' if maintenance else 'stopped'))
    return 0


def da_current():
    """The DA's state as its process, or the standby's watcher, wrote it (None when neither runs)."""
    for name in (DA_PROCESS, DA_STANDBY):
        pid = daemon_pid(name)
        if pid is None:
            continue
        state = read_json(state_path('dadaemon'), {}) or {}
        if state.get('pid') == pid and state.get('state') in DA_STATES:
            return state
    return None


DA_STATUS_FORMATS = ('line', 'word', 'systemd', 'empty')
# systemctl's ASCII bullet: the runner's shell runs with LC_ALL=C.
SYSTEMD_HEAD = ('* dadaemon.service - CA Data Aggregator\n'
                '   Loaded: loaded (/etc/systemd/system/dadaemon.service; enabled; vendor preset: disabled)\n')


def da_status_format():
    """The wording `dadaemon status` uses on this host (knob da-status-format; the vendor's is not public)."""
    chosen = (knob('da-status-format') or '').strip()
    return chosen if chosen in DA_STATUS_FORMATS else 'line'


def da_status_text(fmt, state, pid):
    """(text, exit code) in one wording; state None when the DA does not run (status-variants.ts)."""
    if fmt == 'systemd':
        # systemd knows whether the DA process runs, not which role the DA has: only the Active one runs it.
        if state == 'Active':
            return SYSTEMD_HEAD + '   Active: active (running)\n Main PID: %d (java)\n' % (pid or 0), 0
        return SYSTEMD_HEAD + '   Active: inactive (dead)\n', 3
    if fmt == 'empty':
        return '', 3 if state is None else 0
    if state is None:
        return 'Data Aggregator is not running\n', 3
    return ('%s\n' if fmt == 'word' else 'Data Aggregator status: %s\n') % state, 0


def da_status_line():
    """(text, exit code) as `dadaemon status` prints them, in this host's wording."""
    forced = (knob('force-da-status') or '').strip()
    pid = daemon_pid(DA_PROCESS)
    if forced:
        state = forced
    elif da_runs():
        current = wait_until(da_current, 5)
        state = current['state'] if current else 'Starting'
    elif in_maintenance():
        state = 'Maintenance'
    else:
        state = None
    return da_status_text(da_status_format(), state, pid)


def da_start(install_dir):
    """Starts the DA as a standby (and its Consul agent when down); its state once known, None when it did not start."""
    if not is_running('consul'):
        spawn('consul', ['agent', install_dir])
    if not da_runs() and not spawn_da(install_dir, 'standby'):
        return None
    return wait_until(da_current, 10)


def da_stop(timeout=30):
    """Ends the standby's watcher first (so it cannot take the lock the DA process releases), then the DA."""
    stop_daemon(DA_STANDBY, timeout)
    stop_daemon(DA_PROCESS, timeout)


def dadaemon(argv):
    install_dir, args = argv[0], argv[1:]
    verbs = ('start', 'stop', 'restart', 'status', 'maintenance', 'activate')
    verb = args[0] if len(args) == 1 else ''
    if verb not in verbs:
        err('Usage: dadaemon {%s}' % '|'.join(verbs))
        return 2
    if verb == 'status':
        text, code = da_status_line()
        sys.stdout.write(text)
        return code
    if verb in ('stop', 'restart'):
        print('Stopping Data Aggregator...')
        da_stop()
        if verb == 'stop':
            print('Data Aggregator stopped')
            return 0
    if verb == 'maintenance':
        write(DA_MODE, 'maintenance\n')
        for name in (DA_STANDBY, DA_PROCESS):
            pid = daemon_pid(name)
            if pid is not None:
                os.kill(pid, signal.SIGUSR1)
        if not wait_until(lambda: not da_runs(), 30):
            err('Data Aggregator did not enter maintenance within 30 s')
            return 1
        sys.stdout.write(da_status_line()[0])
        return 0
    if verb == 'activate':
        if os.path.exists(DA_MODE):
            os.remove(DA_MODE)
    elif in_maintenance():
        err('Data Aggregator is in maintenance mode: run "dadaemon activate" to start it')
        return 1
    print('Starting Data Aggregator...')
    if da_start(install_dir) is None:
        err('Data Aggregator did not start (see %s/dadaemon.log)' % LOG_DIR)
        return 1
    sys.stdout.write(da_status_line()[0])
    return 0


# ---------------------------------------------------------------- ActiveMQ

def hold_client(conn, _peer):
    """A broker client (a collector) stays connected until it leaves or the broker stops."""
    conn.settimeout(0.5)
    try:
        while not STOP.is_set():
            try:
                if not conn.recv(1024):
                    break
            except socket.timeout:
                continue
    except OSError:
        pass
    finally:
        conn.close()


def run_activemq(args):
    shared = args[0]
    if claim('activemq') is None:
        return 1
    started = time.monotonic()
    kahadb = os.path.join(shared, KAHADB)
    state = StateFile('activemq', sharedDir=shared, kahadb='waiting')
    signal.signal(signal.SIGTERM, on_terminate)
    held = None
    listener = None
    waiting_logged = False
    while not STOP.is_set() and lifetime_left(started):
        if held is None:
            try:
                os.makedirs(kahadb, exist_ok=True)
            except OSError:
                pass
            held = try_exclusive(kahadb + '/lock')
            if held is not None:
                state.update(kahadb='locked', since=now_iso())
                print('%s broker started on KahaDB %s' % (now_iso(), kahadb), flush=True)
                try:
                    listener = TcpListener(OPENWIRE_PORT, hold_client)
                except OSError as e:
                    print('%s cannot listen on %d: %s' % (now_iso(), OPENWIRE_PORT, e.strerror), flush=True)
            elif not waiting_logged:
                waiting_logged = True
                print('%s KahaDB %s/lock is held by another broker; waiting for it' % (now_iso(), kahadb),
                      flush=True)
        STOP.wait(0.5)
    if listener:
        listener.close()
    if held is not None:
        os.close(held)
    state.update(kahadb='released')
    return 0


# ---------------------------------------------------------------- Consul

def member_entry(name, addr, alive, role):
    return {
        'Name': name, 'Addr': addr, 'Port': SERF_LAN_PORT, 'Status': 1 if alive else 4,
        'Tags': {'role': 'consul', 'dc': 'dc1', 'port': str(CONSUL_RPC_PORT), 'expect': '3', 'vsn': '2',
                 'lab_role': role},
        'ProtocolMin': 1, 'ProtocolMax': 5, 'ProtocolCur': 2, 'DelegateMin': 2, 'DelegateMax': 5,
        'DelegateCur': 4,
    }


def critical_check(node, check_id, name, output, service=''):
    return {'Node': node, 'CheckID': check_id, 'Name': name, 'Status': 'critical', 'Notes': '',
            'Output': output, 'ServiceID': service, 'ServiceName': service, 'ServiceTags': [], 'Type': '',
            'CreateIndex': 0, 'ModifyIndex': 0}


class ConsulApi(http.server.BaseHTTPRequestHandler):
    """The read-only part of Consul's HTTP API the library looks at; `view()` gives the answers."""

    view = staticmethod(lambda: {})

    def do_GET(self):
        view = self.view()
        path = self.path.split('?', 1)[0].rstrip('/')
        routes = {
            '/v1/status/leader': lambda: view['leader'],
            '/v1/status/peers': lambda: view['peers'],
            '/v1/agent/members': lambda: view['members'],
            '/v1/health/state/critical': lambda: view['critical'],
            '/v1/catalog/services': lambda: view['services'],
        }
        if path not in routes:
            self.send_response(404)
            self.send_header('Content-Type', 'text/plain; charset=utf-8')
            self.end_headers()
            self.wfile.write(b'404 page not found\n')
            return
        body = (json.dumps(routes[path]()) + '\n').encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('X-Consul-Knownleader', 'true' if view['leader'] else 'false')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


def serve_consul_ports(view):
    """TCP 8300 and 8301 (accepted and closed), the HTTP API on 8500, the bound UDP 8301 socket."""
    listeners = [TcpListener(CONSUL_RPC_PORT), TcpListener(SERF_LAN_PORT)]
    handler = type('Api', (ConsulApi,), {'view': staticmethod(view)})
    http_server = http.server.ThreadingHTTPServer(('0.0.0.0', CONSUL_HTTP_PORT), handler)
    http_server.daemon_threads = True
    threading.Thread(target=http_server.serve_forever, kwargs={'poll_interval': 0.25}, daemon=True).start()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind(('0.0.0.0', SERF_LAN_PORT))
    udp.settimeout(GOSSIP_EVERY)
    return listeners, http_server, udp


def peer_link_problems(heard, reachable):
    """
    By DA, the failing links between DAs the server hears (a DA it cannot hear is failed already,
    and the others' complaints about it say nothing new): reported by the DA or about it.
    """
    found = {}
    for name, last in heard.items():
        if not reachable.get(name):
            continue
        for problem in last.get('peerProblems', []):
            other = next((n for n in heard if n != name and (' %s ' % n) in (' %s ' % problem)), None)
            if other is None or not reachable.get(other):
                continue
            found.setdefault(name, []).append(problem)
            found.setdefault(other, []).append('%s reports: %s' % (name, problem))
    return found


def run_consul_server(install_dir):
    if claim('consul') is None:
        return 1
    started = time.monotonic()
    me = {'name': node_name(), 'addr': own_address()}
    state = StateFile('consul', role='server', installDir=install_dir, node=me['name'], addr=me['addr'])
    remembered = read_json(CONSUL_MEMBERS, {}) or {}
    heard = {}
    lock = threading.Lock()

    def view():
        now = time.monotonic()
        with lock:
            members = [member_entry(me['name'], me['addr'], True, 'proxy')]
            critical = []
            reachable = {}
            for name in remembered:
                last = heard.get(name)
                reachable[name] = (bool(last) and now - last['at'] <= ALIVE_WINDOW
                                   and last['silentFor'] <= ALIVE_WINDOW)
            links = peer_link_problems(heard, reachable)
            for name in sorted(remembered):
                info = remembered[name]
                last = heard.get(name)
                alive = reachable[name] and not links.get(name)
                members.append(member_entry(name, info['addr'], alive, info.get('role', 'aggregator')))
                if not reachable[name]:
                    critical.append(critical_check(name, 'serfHealth', 'Serf Health Status',
                                                   'Agent not live or unreachable'))
                elif links.get(name):
                    critical.append(critical_check(name, 'serfHealth', 'Serf Health Status',
                                                   'Agent not live or unreachable: ' + '; '.join(links[name])))
                elif last.get('daState') == 'Failed':
                    critical.append(critical_check(
                        name, 'service:' + DA_SERVICE, 'Data Aggregator state',
                        'Data Aggregator status: Failed (%s)' % (last.get('daReason') or 'unknown'), DA_SERVICE))
            # Raft runs through the leader (the proxy here): a broken link between the two DAs fails
            # their membership, not the proxy's leadership.
            alive_servers = 1 + sum(1 for name in remembered if reachable[name])
            services = {'consul': []}
            if remembered:
                services[DA_SERVICE] = []
        return {
            'leader': '%s:%d' % (me['addr'], CONSUL_RPC_PORT) if alive_servers >= 2 else '',
            'peers': ['%s:%d' % (m['Addr'], CONSUL_RPC_PORT) for m in members],
            'members': members,
            'critical': critical,
            'services': services,
        }

    listeners, http_server, udp = serve_consul_ports(view)
    signal.signal(signal.SIGTERM, on_terminate)
    while not STOP.is_set() and lifetime_left(started):
        try:
            data, peer = udp.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError:
            break
        try:
            message = json.loads(data.decode())
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get('type') != 'ping' or not message.get('node'):
            continue
        name = str(message['node'])
        with lock:
            if name not in remembered or remembered[name]['addr'] != peer[0]:
                remembered[name] = {'addr': peer[0], 'role': message.get('role', 'aggregator'),
                                    'firstSeen': now_iso()}
                write_json(CONSUL_MEMBERS, remembered)
            heard[name] = {'at': time.monotonic(), 'silentFor': float(message.get('proxySilentFor', 0)),
                           'daState': message.get('daState'), 'daReason': message.get('daReason'),
                           'peerProblems': [str(p) for p in message.get('peerProblems') or []]}
        reply = {'type': 'ack', 'node': me['name'], 'view': view()}
        try:
            udp.sendto(json.dumps(reply).encode(), peer)
        except OSError:
            pass
        state.update(lastPing=name)
    http_server.shutdown()
    for listener in listeners:
        listener.close()
    udp.close()
    return 0


def announced_da_state():
    """What this host's agent tells the cluster about its DA (a DA down outside maintenance is Failed)."""
    state = da_current()
    if state:
        return state['state'], state.get('reason', '')
    if read(DA_MODE, '').strip() == 'maintenance':
        return 'Maintenance', ''
    return 'Failed', 'the Data Aggregator is not running'


class PeerLinks:
    """
    What an agent knows of its links to the other DA (Consul needs server RPC and LAN gossip between
    all its servers, not only with the proxy): a gossip datagram to the peer's UDP 8301 every
    0.25 s, answered by an ack, and a TCP connection to its 8300 and 8301 every second. A link that
    has not worked for 3 s (counted from when the peer became known) is a problem the agent reports.
    """

    TCP_PORTS = ((CONSUL_RPC_PORT, 'server RPC'), (SERF_LAN_PORT, 'Serf LAN'))

    def __init__(self, me):
        self.me = me
        self.lock = threading.Lock()
        self.peers = {}  # name -> {'addr', 'known', 'udp', 'tcp': {port: (ok_at, error)}}
        threading.Thread(target=self.probe_tcp, daemon=True).start()

    def learn(self, view):
        """The other DAs of the server's view (the agent reaches only those the cluster knows)."""
        now = time.monotonic()
        with self.lock:
            for m in (view or {}).get('members', []):
                if m.get('Name') == self.me or (m.get('Tags') or {}).get('lab_role') != 'aggregator':
                    continue
                entry = self.peers.setdefault(m['Name'], {'known': now, 'udp': None, 'tcp': {}})
                entry['addr'] = m.get('Addr')

    def addresses(self):
        with self.lock:
            return [(name, e['addr']) for name, e in self.peers.items() if e.get('addr')]

    def heard(self, address):
        with self.lock:
            for e in self.peers.values():
                if e.get('addr') == address:
                    e['udp'] = time.monotonic()

    def probe_tcp(self):
        while not STOP.is_set():
            for name, address in self.addresses():
                for port, _ in self.TCP_PORTS:
                    try:
                        socket.create_connection((address, port), timeout=0.5).close()
                        outcome = (time.monotonic(), '')
                    except OSError as e:
                        outcome = (None, e.strerror or 'no answer within 0.5 s')
                    with self.lock:
                        old = self.peers.get(name, {}).get('tcp', {}).get(port, (None, ''))
                        self.peers[name]['tcp'][port] = (outcome[0] or old[0], outcome[1])
            STOP.wait(1)

    def problems(self):
        """One sentence per link to another DA that has not worked for ALIVE_WINDOW."""
        now = time.monotonic()
        found = []
        with self.lock:
            for name, e in sorted(self.peers.items()):
                if now - (e['udp'] or e['known']) > ALIVE_WINDOW:
                    found.append('no Serf LAN gossip with %s over UDP %d for %.1f s'
                                 % (name, SERF_LAN_PORT, now - (e['udp'] or e['known'])))
                for port, what in self.TCP_PORTS:
                    ok_at, error = e['tcp'].get(port, (None, ''))
                    if now - (ok_at or e['known']) > ALIVE_WINDOW:
                        found.append('%s to %s over TCP %d fails: %s' % (what, name, port, error or 'not tried'))
        return found


def run_consul_agent(install_dir):
    if claim('consul') is None:
        return 1
    started = time.monotonic()
    proxy_host = answers_of(install_dir).get('LAB_PROXY_HOST', '')
    me = {'name': node_name(), 'addr': own_address()}
    state = StateFile('consul', role='agent', installDir=install_dir, node=me['name'], addr=me['addr'],
                      proxyHost=proxy_host)
    last = {'ack': None, 'view': None}
    lock = threading.Lock()

    def view():
        with lock:
            ack, seen = last['ack'], last['view']
        if ack is not None and time.monotonic() - ack <= ALIVE_WINDOW and seen:
            return seen
        # The server is out of reach: this agent sees only itself alive, and no leader.
        members = [member_entry(me['name'], me['addr'], True, 'aggregator')]
        for m in (seen or {}).get('members', []):
            if m['Name'] != me['name']:
                members.append(dict(m, Status=4))
        critical = [critical_check(m['Name'], 'serfHealth', 'Serf Health Status', 'Agent not live or unreachable')
                    for m in members if m['Status'] != 1]
        return {'leader': '', 'peers': ['%s:%d' % (m['Addr'], CONSUL_RPC_PORT) for m in members],
                'members': members, 'critical': critical,
                'services': (seen or {}).get('services', {'consul': []})}

    listeners, http_server, udp = serve_consul_ports(view)
    signal.signal(signal.SIGTERM, on_terminate)
    links = PeerLinks(me['name'])
    proxy = {'addr': None, 'resolved': 0.0}
    next_ping = 0.0
    while not STOP.is_set() and lifetime_left(started):
        now = time.monotonic()
        if now >= next_ping:
            next_ping = now + GOSSIP_EVERY
            if now - proxy['resolved'] > 5 or not proxy['addr']:
                proxy.update(addr=resolve(proxy_host), resolved=now)
            if proxy['addr']:
                with lock:
                    silent = now - (last['ack'] if last['ack'] is not None else started)
                da_state, reason = announced_da_state()
                ping = {'type': 'ping', 'node': me['name'], 'role': 'aggregator', 'daState': da_state,
                        'daReason': reason, 'proxySilentFor': round(silent, 3),
                        'peerProblems': links.problems()}
                try:
                    udp.sendto(json.dumps(ping).encode(), (proxy['addr'], SERF_LAN_PORT))
                except OSError:
                    pass
            for _, address in links.addresses():
                try:
                    udp.sendto(json.dumps({'type': 'ping', 'node': me['name']}).encode(), (address, SERF_LAN_PORT))
                except OSError:
                    pass
        try:
            data, peer = udp.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError:
            break
        try:
            message = json.loads(data.decode())
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        if message.get('type') == 'ack' and peer[0] == proxy['addr']:
            with lock:
                last.update(ack=time.monotonic(), view=message.get('view'))
            links.learn(message.get('view'))
            state.update(lastAck=now_iso())
        elif message.get('type') == 'ack':
            links.heard(peer[0])
        elif message.get('type') == 'ping':
            try:
                udp.sendto(json.dumps({'type': 'ack', 'node': me['name']}).encode(), peer)
            except OSError:
                pass
    http_server.shutdown()
    for listener in listeners:
        listener.close()
    udp.close()
    return 0


def run_consul(args):
    role, install_dir = args[0], args[1]
    return run_consul_server(install_dir) if role == 'server' else run_consul_agent(install_dir)


# ---------------------------------------------------------------- data collector

DC_ICMP = 'dcmd-icmp'
# Left by a collector that hung, naming the ICMP process of that start (KB 233704: the collector
# dies but its ICMP process keeps running, so `dcmd status` still says it runs).
DC_HUNG = RUN_DIR + '/dcmd.hung'


def connect_da(hosts):
    """The first DA that accepts the collector on TCP 8581, as (socket, address), else None."""
    for host in hosts:
        address = resolve(host)
        if not address:
            continue
        try:
            conn = socket.create_connection((address, DA_WEB_PORT), timeout=1.5)
        except OSError:
            continue
        try:
            conn.settimeout(2)
            conn.sendall(('HELLO dcmd %s\n' % node_name()).encode())
            answer = conn.makefile('rb').readline(256).decode('latin-1', 'replace')
            if answer.startswith('WELCOME '):
                return conn, address
        except OSError:
            pass
        conn.close()
    return None


def connect_broker(address):
    """The collector's data connection: the DA's ActiveMQ (OpenWire, TCP 61616), else None."""
    try:
        return socket.create_connection((address, OPENWIRE_PORT), timeout=1.5)
    except OSError:
        return None


def closed_by_peer(sock):
    """True when the peer closed the connection (or it broke); reads and drops what arrived."""
    try:
        return not sock.recv(1024)
    except OSError:
        return True


def hang_left_by_earlier_start():
    """The ICMP process of a hung start still runs: a collector started beside it hangs as well."""
    icmp = daemon_pid(DC_ICMP)
    return icmp is not None and read(DC_HUNG, '').strip() == str(icmp)


def hold_da(conn, address, state, started):
    """
    Stays connected to the DA: its web services (TCP 8581) and its broker (TCP 61616, retried every
    0.5 s while the broker is not up). Returns when the DA closes the web services connection.
    """
    da = '%s:%d' % (address, DA_WEB_PORT)
    broker, next_try = None, 0.0
    state.update(state='connected', da=da, broker=None, since=now_iso(), reason='')
    try:
        while not STOP.is_set() and lifetime_left(started):
            if broker is None and time.monotonic() >= next_try:
                broker = connect_broker(address)
                next_try = time.monotonic() + 0.5
                if broker is not None:
                    state.update(broker='%s:%d' % (address, OPENWIRE_PORT))
            ready, _, _ = select.select([conn] + ([broker] if broker else []), [], [], 0.5)
            if conn in ready and closed_by_peer(conn):
                return da
            if broker is not None and broker in ready and closed_by_peer(broker):
                broker.close()
                broker = None
                state.update(broker=None)
    finally:
        conn.close()
        if broker is not None:
            broker.close()
    return da


def run_dcmd(args):
    install_dir = args[0]
    if claim('dcmd') is None:
        return 1
    started = time.monotonic()
    answers = answers_of(install_dir)
    hosts = [h for h in (answers.get('LAB_DA_HOST', ''), answers.get('LAB_FAILOVER_DA_HOST', '')) if h]
    state = StateFile('dcmd', installDir=install_dir, daHosts=hosts, state='connecting', da=None, broker=None)
    signal.signal(signal.SIGTERM, on_terminate)
    earlier_hang = hang_left_by_earlier_start()
    found = None if earlier_hang else connect_da(hosts)
    if found is None:
        # As the product does when its DA is not up yet: the collector never connects, and its ICMP
        # process, which keeps running, carries the hang to any start beside it (only stop, then
        # start clears it, KB 233704).
        icmp = daemon_pid(DC_ICMP)
        if icmp is not None:
            write(DC_HUNG, '%d\n' % icmp)
        reason = ('started beside the ICMP process of a hung start (stop, then start dcmd)' if earlier_hang
                  else 'no Data Aggregator answered on port %d at start (tried %s)' % (DA_WEB_PORT, ', '.join(hosts)))
        state.update(state='hung', da=None, since=now_iso(), reason=reason)
        while not STOP.is_set() and lifetime_left(started):
            STOP.wait(1)
        return 0
    while found is not None and not STOP.is_set():
        da = hold_da(found[0], found[1], state, started)
        found = None
        if STOP.is_set() or not lifetime_left(started):
            break
        state.update(state='reconnecting', da=None, broker=None, since=now_iso(),
                     reason='lost the connection to %s' % da)
        while not STOP.is_set() and lifetime_left(started):
            found = connect_da(hosts)
            if found is not None:
                break
            STOP.wait(0.5)
    state.update(state='stopped', da=None, broker=None)
    return 0


def run_dcmd_icmp(_args):
    """The collector's ICMP process: it runs beside dcmd and, unlike it, survives a restart."""
    if claim(DC_ICMP) is None:
        return 1
    started = time.monotonic()
    StateFile(DC_ICMP, state='polling')
    signal.signal(signal.SIGTERM, on_terminate)
    while not STOP.is_set() and lifetime_left(started):
        STOP.wait(1)
    return 0


def dcmd_start(install_dir):
    if not is_running(DC_ICMP) and not spawn(DC_ICMP, []):
        return False
    if not is_running('dcmd') and not spawn('dcmd', [install_dir]):
        return False
    # Returns once the collector has tried its DAs, so its status right after says how that went.
    def decided():
        state = read_json(state_path('dcmd'), {}) or {}
        return state.get('pid') == daemon_pid('dcmd') and state.get('state') != 'connecting'
    wait_until(decided, 10)
    return True


# ---------------------------------------------------------------- service

def lsb_status(name, title, running_text):
    pid = daemon_pid(name)
    if pid is None:
        print('%s is not running' % title)
        return 3
    print(running_text(pid))
    return 0


def service_dcmd(verb, entry):
    # `restart` stops and starts dcmd but leaves its ICMP process running; `stop` ends both. So a
    # collector that hung stays hung across a restart, and recovers with stop, then start (KB 233704).
    if verb in ('stop', 'restart'):
        print('Stopping dcmd...')
        stop_daemon('dcmd')
    if verb == 'stop':
        stop_daemon(DC_ICMP)
        try:
            os.unlink(DC_HUNG)
        except FileNotFoundError:
            pass
    if verb in ('start', 'restart'):
        print('Starting dcmd...')
        return 0 if dcmd_start(entry['dir']) else 1
    if verb == 'status':
        # What the service reports: running while either process runs (a hung collector's ICMP
        # process keeps it "running").
        pid = daemon_pid('dcmd') or daemon_pid(DC_ICMP)
        if pid is None:
            print('dcmd is not running')
            return 3
        state = read_json(state_path('dcmd'), {}) or {}
        if daemon_pid('dcmd') and state.get('state') == 'connected':
            print('dcmd is running (pid %d), connected to Data Aggregator %s' % (pid, state.get('da')))
        elif daemon_pid('dcmd') and state.get('state') == 'reconnecting':
            print('dcmd is running (pid %d), not connected to a Data Aggregator (reconnecting)' % pid)
        else:
            print('dcmd is running (pid %d), not connected to a Data Aggregator' % pid)
    return 0


def service_activemq(verb, entry):
    shared = answers_of(entry['dir']).get('LAB_SHARED_DIR', '')
    if verb in ('stop', 'restart'):
        print('Stopping ActiveMQ' if stop_daemon('activemq') else 'ActiveMQ not running')
    if verb in ('start', 'restart'):
        if is_running('activemq'):
            print('ActiveMQ is already running (pid %d)' % daemon_pid('activemq'))
            return 0
        print('Starting ActiveMQ')
        return 0 if spawn('activemq', [shared]) else 1
    if verb == 'status':
        pid = daemon_pid('activemq')
        if pid is None:
            print('ActiveMQ not running')
            return 3
        print("ActiveMQ is running (pid '%d')" % pid)
    return 0


def service_consul(verb, entry, role):
    if verb in ('stop', 'restart'):
        print('Stopping consul...')
        stop_daemon('consul')
    if verb in ('start', 'restart'):
        print('Starting consul...')
        return 0 if is_running('consul') or spawn('consul', [role, entry['dir']]) else 1
    if verb == 'status':
        return lsb_status('consul', 'consul', lambda pid: 'consul is running (pid %d)' % pid)
    return 0


def service(argv):
    verbs = ('start', 'stop', 'restart', 'status')
    name = argv[0] if argv else ''
    aggregator, collector, proxy = component('aggregator'), component('collector'), component('proxy')
    owners = {'dadaemon': aggregator, 'activemq': aggregator, 'dcmd': collector, 'consul': proxy or aggregator}
    if not owners.get(name):
        real = '/usr/sbin/service'
        if os.path.exists(real):
            os.execv(real, [real] + argv)
        err('%s: unrecognized service' % name)
        return 1
    entry = owners[name]
    verb = argv[1] if len(argv) == 2 else ''
    if name == 'dadaemon':
        return dadaemon([entry['dir']] + argv[1:])
    if verb not in verbs:
        err('Usage: service %s {%s}' % (name, '|'.join(verbs)))
        return 2
    if name == 'dcmd':
        return service_dcmd(verb, entry)
    if name == 'activemq':
        return service_activemq(verb, entry)
    return service_consul(verb, entry, 'server' if proxy else 'agent')


# ---------------------------------------------------------------- data repository and vsql

def repository_answer(config, request):
    if request.get('user') != config.get('user') or request.get('password') != config.get('password'):
        return {'ok': False, 'error': 'FATAL: Invalid username or password'}
    sql = str(request.get('sql', '')).strip().rstrip(';').strip()
    number = re.fullmatch(r'(?i)select\s+(-?\d+)', sql)
    if number:
        return {'ok': True, 'columns': ['?column?'], 'rows': [[int(number.group(1))]]}
    if re.fullmatch(r'(?i)select\s+version\s*\(\s*\)', sql):
        return {'ok': True, 'columns': ['version'], 'rows': [['Vertica Analytic Database v12.0.4-0']]}
    return {'ok': True, 'columns': ['result'], 'rows': [['OK']]}


def run_repository(_args):
    if claim('repository') is None:
        return 1
    started = time.monotonic()
    config = read_json(REPOSITORY_CONFIG, {}) or {}
    port = int(config.get('port', REPOSITORY_PORT))
    state = StateFile('repository', port=port, user=config.get('user'), connections=0)

    def handle(conn, _peer):
        try:
            conn.settimeout(5)
            line = conn.makefile('rb').readline(65536)
            try:
                request = json.loads(line.decode('utf-8'))
            except ValueError:
                request = {}
            answer = repository_answer(config, request if isinstance(request, dict) else {})
            conn.sendall((json.dumps(answer) + '\n').encode())
            state.update(connections=state.get('connections', 0) + 1)
        except OSError:
            pass
        finally:
            conn.close()

    try:
        listener = TcpListener(port, handle)
    except OSError as e:
        print('%s cannot listen on port %d: %s' % (now_iso(), port, e.strerror), flush=True)
        state.update(error=e.strerror)
        return 1
    signal.signal(signal.SIGTERM, on_terminate)
    while not STOP.is_set() and lifetime_left(started):
        STOP.wait(1)
    listener.close()
    return 0


def repository(argv):
    verb = argv[0] if argv else ''
    if verb == 'start':
        port = int((read_json(REPOSITORY_CONFIG, {}) or {}).get('port', REPOSITORY_PORT))
        if not is_running('repository') and not spawn('repository', []):
            err('the data repository did not start (see %s/repository.log)' % LOG_DIR)
            return 1

        def listening():
            try:
                socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
                return True
            except OSError:
                return False
        if not wait_until(listening, 5):
            err('the data repository does not listen on port %d (see %s/repository.log)' % (port, LOG_DIR))
            return 1
        return 0
    if verb == 'stop':
        stop_daemon('repository')
        return 0
    if verb == 'status':
        return lsb_status('repository', 'the data repository', lambda pid: 'the data repository is running (pid %d)' % pid)
    err('Usage: netops-lab repository {start|stop|status}')
    return 2


def format_table(columns, rows, tuples_only, unaligned):
    """vsql's (psql's) aligned output: centred headers, numbers right-aligned, a row count."""
    cells = [[str(v) for v in row] for row in rows]
    if unaligned:
        lines = ([] if tuples_only else ['|'.join(columns)]) + ['|'.join(r) for r in cells]
        if not tuples_only:
            lines.append('(%d row%s)' % (len(rows), '' if len(rows) == 1 else 's'))
        return '\n'.join(lines) + '\n'
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(columns))]

    def fmt(row):
        return '|'.join(' %s ' % (v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]))
                        for i, v in enumerate(row)).rstrip()

    lines = [] if tuples_only else [
        '|'.join(' %s ' % c.center(widths[i]) for i, c in enumerate(columns)),
        '+'.join('-' * (w + 2) for w in widths),
    ]
    lines += [fmt(r) for r in cells]
    if not tuples_only:
        lines.append('(%d row%s)' % (len(rows), '' if len(rows) == 1 else 's'))
    return '\n'.join(lines) + '\n\n'


def vsql(argv):
    options = {'-h': 'localhost', '-p': str(REPOSITORY_PORT), '-U': os.environ.get('USER', 'dbadmin'),
               '-d': '', '-c': None, '-w': None}
    flags = set()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in options and i + 1 < len(argv):
            options[a] = argv[i + 1]
            i += 2
        elif len(a) > 2 and a[:2] in options and a[:2] != '--':
            options[a[:2]] = a[2:]
            i += 1
        elif a in ('-t', '-A', '-X', '-q', '-At', '-tA'):
            flags.update(a[1:])
            i += 1
        else:
            err("vsql: invalid option -- '%s'\nTry \"vsql --help\" for more information." % a.lstrip('-'))
            return 1
    if options['-c'] is None:
        err('vsql (lab emulation): only -c COMMAND is emulated')
        return 1
    password = options['-w'] if options['-w'] is not None else os.environ.get('VSQL_PASSWORD', '')
    host, port = options['-h'], options['-p']
    if not port.isdigit():
        err('vsql: invalid port number: "%s"' % port)
        return 1
    address = resolve(host)
    if not address:
        err('vsql: could not translate host name "%s" to address: Name or service not known' % host)
        return 2
    try:
        conn = socket.create_connection((address, int(port)), timeout=5)
    except OSError as e:
        reason = 'Connection refused' if isinstance(e, ConnectionRefusedError) else (
            'Connection timed out' if isinstance(e, socket.timeout) else (e.strerror or str(e)))
        err('vsql: could not connect to server %s:%s: %s\n\tIs the server running on host "%s" and accepting\n'
            '\tTCP/IP connections on port %s?' % (host, port, reason, host, port))
        return 2
    try:
        conn.settimeout(10)
        conn.sendall((json.dumps({'user': options['-U'], 'password': password, 'database': options['-d'],
                                  'sql': options['-c']}) + '\n').encode())
        answer = json.loads(conn.makefile('rb').readline(1 << 20).decode('utf-8'))
    except (OSError, ValueError):
        err('vsql: server closed the connection unexpectedly (%s:%s)' % (host, port))
        return 2
    finally:
        conn.close()
    if not answer.get('ok'):
        err('vsql: %s' % answer.get('error', 'FATAL: unknown error'))
        return 2
    sys.stdout.write(format_table(answer['columns'], answer['rows'], 't' in flags, 'A' in flags))
    return 0


# ---------------------------------------------------------------- entry

DAEMONS = {
    'dadaemon': run_dadaemon,
    'activemq': run_activemq,
    'consul': run_consul,
    'dcmd': run_dcmd,
    'dcmd-icmp': run_dcmd_icmp,
    'repository': run_repository,
}


def main():
    name = os.path.basename(sys.argv[0])
    argv = sys.argv[1:]
    if name == 'service':
        return service(argv)
    if name == 'vsql':
        return vsql(argv)
    command, rest = (argv[0], argv[1:]) if argv else ('', [])
    if command == 'install':
        return install(rest)
    if command == 'dadaemon' and rest:
        return dadaemon(rest)
    if command == 'service':
        return service(rest)
    if command == 'repository':
        return repository(rest)
    if command == 'lab-state' and len(rest) == 1:
        print(json.dumps(daemon_state(rest[0]), sort_keys=True))
        return 0
    if command == 'parse-properties' and len(rest) == 1:
        with open(rest[0], 'rb') as f:
            print(json.dumps(parse_properties(f.read()), sort_keys=True))
        return 0
    if command == 'run' and rest and rest[0] in DAEMONS:
        return DAEMONS[rest[0]](rest[1:])
    err('netops-lab: unknown command %s' % ' '.join(argv))
    return 2


if __name__ == '__main__':
    sys.exit(main())
