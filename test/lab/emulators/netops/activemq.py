"""
ActiveMQ on a host with the aggregator: `service activemq start|stop|restart|status` and the broker
daemon (`run activemq SHARED_DIR`). A running broker holds <shared dir>/activemq-data/kahadb/lock
(kahadb: locked) and listens on TCP 61616, where clients (the collectors) stay connected until they
leave or the broker stops. While another broker holds that lock, it waits (kahadb: waiting).
"""
import os
import signal
import time

from labemu import now_iso

from .state import (OPENWIRE_PORT, STOP, StateFile, TcpListener, answers_of, claim, daemon_pid, is_running,
                    hold_until_closed, lifetime_left, on_terminate, spawn, stop_daemon, try_exclusive)

KAHADB = 'activemq-data/kahadb'


def hold_client(conn, _peer):
    """A broker client (a collector) stays connected until it leaves or the broker stops."""
    try:
        hold_until_closed(conn, STOP)
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


def service_activemq(verb, entry):
    """`service activemq VERB` on the host of the aggregator installed at entry['dir']."""
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
