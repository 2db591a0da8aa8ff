"""
The data collector: `service dcmd start|stop|restart|status` (also <install dir>/bin/dcmd), dcmd
itself (`run dcmd DIR`) and its ICMP process (`run dcmd-icmp`), the two processes KB 233704 names
for a healthy collector.

At start dcmd connects to LAB_DA_HOST on TCP 8581, else to LAB_FAILOVER_DA_HOST, then to that DA's
ActiveMQ on TCP 61616 (retried every 0.5 s), and holds both connections; one that loses its DA
reconnects every 0.5 s to whichever DA answers. When no DA answers at start it hangs: running,
never connected, and its ICMP process, which survives a restart, carries the hang to any dcmd
started beside it, so only stop, then start repairs it ("stop, then start (not restart)").
"""
import os
import select
import signal
import socket
import time

from labemu import now_iso, read, read_json, wait_until, write_atomically

from .state import (DA_WEB_PORT, OPENWIRE_PORT, RUN_DIR, STOP, StateFile, answers_of, claim, daemon_pid,
                    is_running, lifetime_left, node_name, on_terminate, resolve, spawn, state_path, stop_daemon)

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
            write_atomically(DC_HUNG, '%d\n' % icmp)
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

