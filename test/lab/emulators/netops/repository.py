"""
The data repository (Vertica) and its client: `netops-lab repository start|stop|status` runs a TCP
listener (`run repository`, TCP 5433 unless repository/config.json names another port) that checks
the credentials of each request; `vsql -h HOST -p PORT -U USER [-w PASSWORD] -c SQL`, the password
from VSQL_PASSWORD as the real client reads it, sends one and prints the answer as vsql does.
"""
import json
import os
import re
import signal
import socket
import sys
import time

import labemu
from labemu import err, now_iso, read_json, wait_until

from .state import (BASE, LOG_DIR, REPOSITORY_PORT, STOP, StateFile, TcpListener, claim, is_running,
                    lifetime_left, lsb_status, on_terminate, resolve, spawn, stop_daemon)

REPOSITORY_CONFIG = BASE + '/repository/config.json'


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
        if not wait_until(lambda: labemu.answers('127.0.0.1', port), 5):
            err('the data repository does not listen on port %d (see %s/repository.log)' % (port, LOG_DIR))
            return 1
        return 0
    if verb == 'stop':
        stop_daemon('repository')
        return 0
    if verb == 'status':
        return lsb_status('repository', 'the data repository',
                          lambda pid: 'the data repository is running (pid %d)' % pid)
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


def vsql_options(argv, environ):
    """
    (options, flags) of a vsql command line, as the real client takes them (`-h HOST` or `-hHOST`;
    -t, -A, -X, -q alone or -At); raises ValueError naming the first argument it does not take.
    """
    options = {'-h': 'localhost', '-p': str(REPOSITORY_PORT), '-U': environ.get('USER', 'dbadmin'),
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
            raise ValueError(a)
    return options, flags


def connect_failure(host, port, e):
    """The client's words for a connection that failed, with psql's hint."""
    reason = 'Connection refused' if isinstance(e, ConnectionRefusedError) else (
        'Connection timed out' if isinstance(e, socket.timeout) else (e.strerror or str(e)))
    return ('vsql: could not connect to server %s:%s: %s\n\tIs the server running on host "%s" and accepting\n'
            '\tTCP/IP connections on port %s?' % (host, port, reason, host, port))


def vsql(argv):
    try:
        options, flags = vsql_options(argv, os.environ)
    except ValueError as e:
        err("vsql: invalid option -- '%s'\nTry \"vsql --help\" for more information." % str(e).lstrip('-'))
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
        err(connect_failure(host, port, e))
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
