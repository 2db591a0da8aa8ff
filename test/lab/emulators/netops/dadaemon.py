"""
The data aggregator: `<install dir>/scripts/dadaemon start|stop|restart|status|maintenance|activate`
(also `service dadaemon VERB`), its two daemons and the wordings of its status.

The DA as KB 106988 describes it: the DA holding the exclusive flock on
<shared dir>/.lab-da-active.lock is Active, the other one Inactive, a DA whose shared directory is
missing or not writable Failed. Only the Active one runs the DA process (`run dadaemon DIR process
-Dkaraf.home=... FD`, run lock dadaemon): ActiveMQ, TCP 8581 and the readiness line in karaf.log.
The Inactive one runs none ("the DA will not start on that server, but it will be available to be
failed over to"): what stands ready there is a small watcher (`run dadaemon DIR standby`, run lock
da-standby), in the role the vendor's service management plays. It retries the Active lock every
0.5 s and, once it has it, starts the DA process, hands the lock over, and ends. Both report the
DA's state in the same state file (state/dadaemon.json); `lab-state dadaemon` says whether the DA
process runs.

Knobs: force-da-status; da-status-format (the wording of `status`: the vendor's is not public, so
status-variants.ts lists each one, and da_status_text prints exactly those);
keep-activemq-after-maintenance; da-readiness-withheld; karaf-log-rotate-after-ready.
"""
import datetime
import json
import os
import signal
import socket
import sys
import threading
import time

from labemu import err, now_iso, read_json, wait_until, write_atomically

from .state import (DA_MODE, DA_WEB_PORT, LOG_DIR, STOP, StateFile, TcpListener, answers_of, claim, daemon_pid,
                    hold_until_closed, in_maintenance, is_running, knob, lifetime_left, node_name, on_terminate, own_address, spawn,
                    start_detached, state_path, stop_daemon, try_exclusive)

KARAF = 'apache-karaf-4.4.3'
READY_MESSAGE = 'Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr'
DA_LOCK = '.lab-da-active.lock'
DA_STATES = ('Active', 'Inactive', 'Maintenance', 'Failed')
LOCK_RETRY = 0.5
DA_PROCESS = 'dadaemon'
DA_STANDBY = 'da-standby'

DA_STATUS_FORMATS = ('line', 'word', 'systemd', 'empty')
# systemctl's ASCII bullet: the runner's shell runs with LC_ALL=C.
SYSTEMD_HEAD = ('* dadaemon.service - CA Data Aggregator\n'
                '   Loaded: loaded (/etc/systemd/system/dadaemon.service; enabled; vendor preset: disabled)\n')


# ---------------------------------------------------------------- karaf.log

def karaf_home(install_dir):
    return '%s/%s' % (install_dir, KARAF)


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
    write_atomically(path, '')


def log_readiness(install_dir):
    """The line the DA logs once it serves (unless withheld), and the roll-over that may follow it."""
    if knob('da-readiness-withheld') is None:
        karaf_log(install_dir, READY_MESSAGE, logger='RequestProcessor')
        if knob('karaf-log-rotate-after-ready') is not None:
            rotate_karaf_log(install_dir)


# ---------------------------------------------------------------- the DA process and the standby's watcher

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
            hold_until_closed(conn, STOP, self.closing)
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


def da_runs():
    """True while the DA process or, on the standby, its watcher runs."""
    return is_running(DA_PROCESS) or is_running(DA_STANDBY)


def spawn_da(install_dir, role, held=None, timeout=5.0):
    """Starts the DA process (role 'process', given the Active lock `held`) or the standby's watcher."""
    name = DA_PROCESS if role == 'process' else DA_STANDBY
    args = [install_dir, role]
    if role == 'process':
        # Karaf's launcher names its home on the java command line; the construct finds the DA by it.
        args += ['-Dkaraf.home=' + karaf_home(install_dir), str(held)]
    start_detached(name, ['dadaemon'] + args, pass_fds=(held,) if held is not None else ())
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


def watch_shared(shared, started):
    """Waits while the DA runs: '' once it is stopped or in maintenance, else why its shared directory failed."""
    while not STOP.is_set() and lifetime_left(started) and not in_maintenance():
        usable, reason = shared_usable(shared)
        if not usable:
            return reason
        STOP.wait(LOCK_RETRY)
    return ''


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
    log_readiness(install_dir)
    lost = watch_shared(shared, started)
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


# ---------------------------------------------------------------- status

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


# ---------------------------------------------------------------- the dadaemon command

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


def enter_maintenance():
    """Sets the mode and tells the DA process or the watcher at once; 0 once neither runs."""
    write_atomically(DA_MODE, 'maintenance\n')
    for name in (DA_STANDBY, DA_PROCESS):
        pid = daemon_pid(name)
        if pid is not None:
            os.kill(pid, signal.SIGUSR1)
    if not wait_until(lambda: not da_runs(), 30):
        err('Data Aggregator did not enter maintenance within 30 s')
        return 1
    sys.stdout.write(da_status_line()[0])
    return 0


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
        return enter_maintenance()
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
