"""
What every NetOps program of the lab shares on one host: where its state lives, the knobs, the
installed components, the ports, and the life of a daemon (its singleton lock, its detached start,
its stop, its own report).

Host-local state:
  /var/lib/netops-lab/installs.log            one JSON line per installer run
  /var/lib/netops-lab/unplanned-failovers.log one JSON line per Active DA an installer stopped
  /var/lib/netops-lab/components/<c>.json     {"dir", "version"} of each installed component
  /var/lib/netops-lab/run/<daemon>.lock|.pid  a daemon holds its .lock (flock) while it runs
  /var/lib/netops-lab/state/<daemon>.json     what each daemon reports about itself
  /var/lib/netops-lab/dadaemon.mode           "maintenance" while the DA is in maintenance
  /var/lib/netops-lab/knobs/                  force-da-status, da-status-format, keep-activemq-after-maintenance,
                                              da-readiness-withheld, karaf-log-rotate-after-ready,
                                              fail-install-midway
  /var/lib/netops-lab/consul/members.json     the Consul server's remembered members
  /var/lib/netops-lab/repository/config.json  port, user and password of the data repository
  <install dir>/.lab/                         component, version, answers.json (0600)
  /var/log/netops-lab/<daemon>.log            each daemon's own output

Each daemon is this host's `netops-lab run NAME ...`, started detached with setsid, so it belongs to
the host and ends with it (see main.py for the daemons).
"""
import fcntl
import os
import signal
import socket
import subprocess
import threading
import time

import labemu
from labemu import now_iso, read, read_json, wait_until, write_json

# The executable every daemon is started with (spawn runs it again with `run NAME`).
CORE = '/lab/bin/netops-lab'
BASE = '/var/lib/netops-lab'
RUN_DIR = BASE + '/run'
STATE_DIR = BASE + '/state'
KNOBS = BASE + '/knobs'
COMPONENTS = BASE + '/components'
DA_MODE = BASE + '/dadaemon.mode'
LOG_DIR = '/var/log/netops-lab'

CONSUL_RPC_PORT = 8300
SERF_LAN_PORT = 8301
CONSUL_HTTP_PORT = 8500
DA_WEB_PORT = 8581
OPENWIRE_PORT = 61616
REPOSITORY_PORT = 5433

# Daemons end on their own after this long: a forgotten lab host never runs them for ever.
MAX_LIFETIME = 6 * 3600

# Set by SIGTERM in a daemon: every loop of it ends.
STOP = threading.Event()


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


def in_maintenance():
    return read(DA_MODE, '').strip() == 'maintenance'


# ---------------------------------------------------------------- daemons

def lock_path(name):
    return '%s/%s.lock' % (RUN_DIR, name)


def state_path(name):
    return '%s/%s.json' % (STATE_DIR, name)


def singleton(name):
    """A daemon holds an exclusive flock on its lock file for its whole life; a dead one holds nothing."""
    return labemu.SingletonLock(lock_path(name), '%s/%s.pid' % (RUN_DIR, name))


def is_running(name):
    return singleton(name).held()


def daemon_pid(name):
    return singleton(name).pid()


def claim(name):
    """In the daemon: its singleton lock, kept for the process's life. None when another one runs."""
    return singleton(name).claim()


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


def start_detached(log_name, args, pass_fds=()):
    """Runs `netops-lab run ARGS...` in its own session (parent the host's init), output to its log."""
    os.makedirs(LOG_DIR, exist_ok=True)
    with open('%s/%s.log' % (LOG_DIR, log_name), 'ab') as log, open(os.devnull, 'rb') as null:
        subprocess.run(['/usr/bin/setsid', '-f', '/usr/bin/python3', CORE, 'run'] + list(args),
                       stdin=null, stdout=log, stderr=log, timeout=10, check=False, pass_fds=pass_fds)


def spawn(name, args, timeout=5.0):
    """Starts a daemon detached from the caller (setsid, own session, parent the host's init)."""
    start_detached(name, [name] + list(args))
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


def lsb_status(name, title, running_text):
    pid = daemon_pid(name)
    if pid is None:
        print('%s is not running' % title)
        return 3
    print(running_text(pid))
    return 0


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


def hold_until_closed(conn, *stops):
    """
    Keeps a client's connection open until the client closes it or one of the events is set (looked
    at every 0.5 s): what a broker or a web service does with a client that stays connected.
    """
    conn.settimeout(0.5)
    while not any(stop.is_set() for stop in stops):
        try:
            if not conn.recv(1024):
                return
        except socket.timeout:
            continue


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
