#!/usr/bin/python3
"""
Lab emulation of one Cassandra node's command-line surface: `nodetool` (version, status,
describecluster), `systemctl` (status, start, stop, restart of the cassandra unit) and the ports
a running node listens on. The same file is installed under each of those names; it acts on the
name it was called by.

Host-local state (restored by the lab's host reset):
  /etc/cassandra/cassandra.yaml            the node's configuration, read at start like Cassandra does
  /var/lib/cassandra-lab/installed         the unit exists
  /var/lib/cassandra-lab/release-version   what `nodetool version` prints (default 3.11.4)
  /var/lib/cassandra-lab/state.json        the running process and the configuration it started with
  /var/lib/cassandra/data/system/cluster_name  the cluster name stored at the first start
  /var/log/cassandra/system.log            start failures, in Cassandra's words
Cluster-wide (every host sees it: the gossip a real node would receive, not another host's files):
  /lab/shared/cassandra/nodes/<host>.json  {"host": ..., "address": ...}: the nodes that may gossip
  /lab/shared/cassandra/state/<host>.json  what each node announces: its configuration at start,
                                           whether it runs, the cluster name it stored
  /lab/shared/cassandra/fail-start-<listen address>  knob: a start stays Joining (UJ), never UN
A node binds exactly the addresses its cassandra.yaml names, in its host's own network. A peer is
up (U) when it announces itself running and its storage port answers over the lab network: a
firewall between two nodes makes each see the other down, as gossip would.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

sys.path.insert(0, '/lab/lib/python')
import labemu  # noqa: E402  (the lab's shared emulator helpers, installed beside this file)

CONFIG = '/etc/cassandra/cassandra.yaml'
STATE_DIR = '/var/lib/cassandra-lab'
DATA_DIR = '/var/lib/cassandra'
STORED_NAME = DATA_DIR + '/data/system/cluster_name'
LOG = '/var/log/cassandra/system.log'
SHARED = '/lab/shared/cassandra'
UNIT = 'cassandra'


read = labemu.read
write = labemu.write_atomically
answers = labemu.answers
alive = labemu.alive


def own_host():
    return read('/etc/hostname', '').strip()


def unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in '\'"':
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else json.loads(value)
    return value


def parse_config(text):
    """The keys the emulation needs, read the way they appear in cassandra.yaml."""
    conf = {}
    section = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        top = re.match(r'^([A-Za-z_]+):\s*(.*?)\s*$', line)
        if top:
            section = top.group(1)
            if top.group(2) != '':
                conf[section] = unquote(top.group(2))
            continue
        seeds = re.match(r'^\s*-\s*seeds:\s*(.*?)\s*$', line)
        if seeds and section == 'seed_provider':
            conf['seeds'] = [s.strip() for s in unquote(seeds.group(1)).split(',') if s.strip()]
        nested = re.match(r'^\s+([A-Za-z_]+):\s*(.*?)\s*$', line)
        if nested and section in ('server_encryption_options', 'client_encryption_options'):
            conf[section + '.' + nested.group(1)] = unquote(nested.group(2))
    return conf


def bind_address(address):
    return '127.0.0.1' if address in (None, '', 'localhost') else address


def snapshot(conf):
    """What a node runs with: Cassandra reads its configuration once, at start."""
    listen = bind_address(conf.get('listen_address'))
    rpc = bind_address(conf.get('rpc_address'))
    client = conf.get('broadcast_rpc_address', rpc) if rpc in ('0.0.0.0', '::') else rpc
    ports = [(listen, int(conf.get('storage_port', 7000)))]
    if conf.get('server_encryption_options.internode_encryption', 'none') != 'none':
        ports.append((listen, int(conf.get('ssl_storage_port', 7001))))
    ports.append((client, int(conf.get('native_transport_port', 9042))))
    if 'native_transport_port_ssl' in conf:
        ports.append((client, int(conf['native_transport_port_ssl'])))
    return {
        'cluster_name': conf.get('cluster_name', 'Test Cluster'),
        'seeds': conf.get('seeds', ['127.0.0.1']),
        'listen': listen,
        'num_tokens': int(conf.get('num_tokens', 256)),
        'snitch': conf.get('endpoint_snitch', 'SimpleSnitch'),
        'ports': ports,
    }


def state_path(root=''):
    return root + STATE_DIR + '/state.json'


def load_state(root=''):
    text = read(state_path(root))
    return json.loads(text) if text else None


def save_state(state):
    """The node's own state, and its announcement to the cluster."""
    text = json.dumps(state)
    write(state_path(), text)
    announced = dict(state, stored_name=(read(STORED_NAME) or '').strip())
    announced.pop('pid', None)
    write('%s/state/%s.json' % (SHARED, own_host()), json.dumps(announced))


def is_running(state):
    return bool(state and state.get('running') and alive(state.get('pid')))


def installed():
    return os.path.exists(STATE_DIR + '/installed')


def log(message):
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    with open(LOG, 'a') as f:
        f.write('%s %s\n' % (time.strftime('%Y-%m-%d %H:%M:%S'), message))


# ---------------------------------------------------------------- systemctl

def service_start():
    state = load_state()
    if is_running(state):
        return 0
    conf = parse_config(read(CONFIG, ''))
    snap = snapshot(conf)
    stored = (read(STORED_NAME) or '').strip()
    if stored and stored != snap['cluster_name']:
        log('ERROR [main] Fatal exception during initialization\norg.apache.cassandra.exceptions.ConfigurationException: '
            'Saved cluster name %s != configured name %s' % (stored, snap['cluster_name']))
        save_state(dict(snap, running=False, failed=True))
        return 0
    ready = STATE_DIR + '/listener.ready'
    if os.path.exists(ready):
        os.remove(ready)
    args = ['/usr/bin/python3', '/lab/bin/cassandra-lab-listener', ready] + ['%s:%d' % p for p in snap['ports']]
    with open(os.devnull, 'r+b') as devnull:
        child = subprocess.Popen(args, stdin=devnull, stdout=devnull, stderr=devnull, start_new_session=True)
    for _ in range(100):
        answer = read(ready)
        if answer is not None or child.poll() is not None:
            break
        time.sleep(0.05)
    answer = read(ready, '')
    if answer.strip() != 'ok':
        log('ERROR [main] %s' % (answer.strip() or 'the process ended during start'))
        if child.poll() is None:
            child.terminate()
        save_state(dict(snap, running=False, failed=True))
        return 0
    if not stored:
        write(STORED_NAME, snap['cluster_name'] + '\n')
    joining = os.path.exists('%s/fail-start-%s' % (SHARED, snap['listen']))
    save_state(dict(snap, running=True, failed=False, pid=child.pid, joining=joining,
                                        started=time.strftime('%a %Y-%m-%d %H:%M:%S UTC', time.gmtime())))
    return 0


def service_stop():
    state = load_state()
    if state and alive(state.get('pid')):
        os.kill(state['pid'], signal.SIGTERM)
        for _ in range(100):
            if not alive(state['pid']):
                break
            time.sleep(0.05)
    if state:
        state['running'] = False
        state.pop('pid', None)
        save_state(state)
    return 0


def service_status():
    state = load_state()
    print('\u25cf cassandra.service - LSB: distributed storage system for structured data')
    print('     Loaded: loaded (/etc/init.d/cassandra; generated)')
    if is_running(state):
        print('     Active: active (running) since %s' % state.get('started', ''))
        print('   Main PID: %d (java)' % state['pid'])
        return 0
    if state and state.get('failed'):
        print('     Active: failed (Result: exit-code)')
    else:
        print('     Active: inactive (dead)')
    return 3


def systemctl(argv):
    words = [a for a in argv if not a.startswith('--')]
    if len(words) != 2 or words[0] not in ('status', 'start', 'stop', 'restart'):
        sys.stderr.write('systemctl (lab emulator): only status, start, stop and restart of %s are emulated; got %s\n' % (UNIT, ' '.join(argv)))
        return 1
    verb, unit = words
    unit_name = unit[:-len('.service')] if unit.endswith('.service') else unit
    if unit_name != UNIT or not installed():
        if verb == 'status':
            sys.stderr.write('Unit %s.service could not be found.\n' % unit_name)
            return 4
        sys.stderr.write('Failed to %s %s.service: Unit %s.service not found.\n' % (verb, unit_name, unit_name))
        return 5
    if verb == 'status':
        return service_status()
    if verb == 'start':
        return service_start()
    if verb == 'stop':
        return service_stop()
    service_stop()
    return service_start()


# ---------------------------------------------------------------- nodetool

def host_id(address):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'cassandra-lab-host:' + address))


def datacenter(snap):
    return 'datacenter1' if snap['snitch'].endswith('SimpleSnitch') else 'dc1'


def peers():
    """(host name, state, stored name) of every other registered node."""
    found = []
    me = own_host()
    try:
        names = sorted(os.listdir(SHARED + '/nodes'))
    except OSError:
        names = []
    for entry in names:
        info = json.loads(read('%s/nodes/%s' % (SHARED, entry), '{}'))
        host = info.get('host')
        if not host or host == me:
            continue
        state = json.loads(read('%s/state/%s.json' % (SHARED, host), 'null') or 'null')
        if state:
            found.append((host, state, state.get('stored_name', '')))
    return found


def gossips_with(a, b):
    """Two nodes find each other when either one's seeds name the other."""
    return b['listen'] in a['seeds'] or a['listen'] in b['seeds']


def members(me):
    """Every node in my view: (address, status letter, state letter, snapshot)."""
    view = [(me['listen'], 'U', 'J' if me.get('joining') else 'N', me)]
    for _host, state, stored in peers():
        if stored != me['cluster_name'] or state.get('cluster_name') != me['cluster_name']:
            continue
        if not gossips_with(me, state):
            continue
        up = bool(state.get('running')) and answers(state['listen'], state['ports'][0][1])
        view.append((state['listen'], 'U' if up else 'D', ('J' if state.get('joining') else 'N'), state))
    return sorted(view, key=lambda m: [int(p) if p.isdigit() else p for p in re.split(r'[.:]', m[0])])


def load_text(address):
    kilobytes = 100 + int(uuid.uuid5(uuid.NAMESPACE_URL, 'load:' + address).int % 90000) / 100.0
    return '%.2f KB' % kilobytes


def nodetool_status(me):
    by_dc = {}
    for m in members(me):
        by_dc.setdefault(datacenter(m[3]), []).append(m)
    out = []
    for dc in sorted(by_dc):
        rows = by_dc[dc]
        width = max(len(r[0]) for r in rows) + 1
        head = 'Datacenter: ' + dc
        out += [head, '=' * len(head), 'Status=Up/Down', '|/ State=Normal/Leaving/Joining/Moving']
        fmt = '%-2s  %-' + str(width) + 's  %-9s  %-6s  %-4s  %-36s  %s'
        out.append((fmt % ('--', 'Address', 'Load', 'Tokens', 'Owns', 'Host ID', 'Rack')).rstrip())
        for address, status, st, snap in rows:
            out.append(fmt % (status + st, address, load_text(address), snap['num_tokens'], '?', host_id(address), 'rack1'))
    print('\n'.join(out))


def nodetool_describecluster(me):
    view = members(me)
    live = [m[0] for m in view if m[1] == 'U']
    down = [m[0] for m in view if m[1] == 'D']
    schema = uuid.uuid5(uuid.NAMESPACE_URL, 'cassandra-lab-schema:' + me['cluster_name'])
    snitch = me['snitch'] if '.' in me['snitch'] else 'org.apache.cassandra.locator.' + me['snitch']
    lines = ['Cluster Information:', '\tName: ' + me['cluster_name'], '\tSnitch: ' + snitch,
             '\tDynamicEndPointSnitch: enabled', '\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner',
             '\tSchema versions:', '\t\t%s: [%s]' % (schema, ', '.join(live)), '']
    if down:
        lines += ['\t\tUNREACHABLE: [%s]' % ', '.join(down), '']
    print('\n'.join(lines))


def nodetool(argv):
    state = load_state()
    if not is_running(state):
        sys.stderr.write("nodetool: Failed to connect to '127.0.0.1:7199' - ConnectException: 'Connection refused (Connection refused)'.\n")
        return 1
    command = argv[0] if argv else ''
    if command == 'version':
        print('ReleaseVersion: ' + (read(STATE_DIR + '/release-version') or '3.11.4').strip())
    elif command == 'status':
        nodetool_status(state)
    elif command == 'describecluster':
        nodetool_describecluster(state)
    else:
        sys.stderr.write('nodetool: Found unexpected parameters: [%s]\nSee \'nodetool help\' or \'nodetool help <command>\'.\n' % ', '.join(argv))
        return 1
    return 0


# ---------------------------------------------------------------- listener

def listener(argv):
    """Binds every address:port given, reports "ok" (or why not) in the ready file, accepts until killed."""
    ready, endpoints = argv[0], argv[1:]
    sockets = []
    try:
        for endpoint in endpoints:
            address, port = endpoint.rsplit(':', 1)
            s = socket.socket(socket.AF_INET6 if ':' in address else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, int(port)))
            except OSError as error:
                raise OSError('Failed to bind port %s on %s: %s' % (port, address, error.strerror))
            s.listen(16)
            sockets.append(s)
    except OSError as error:
        write(ready, str(error) + '\n')
        return 1
    write(ready, 'ok\n')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    import select
    while True:
        readable, _, _ = select.select(sockets, [], [])
        for s in readable:
            connection, _ = s.accept()
            connection.close()


def main():
    name = os.path.basename(sys.argv[0])
    if name == 'nodetool':
        return nodetool(sys.argv[1:])
    if name == 'systemctl':
        return systemctl(sys.argv[1:])
    if name == 'cassandra-lab-listener':
        return listener(sys.argv[1:])
    sys.stderr.write('install this file as nodetool, systemctl or cassandra-lab-listener\n')
    return 2


if __name__ == '__main__':
    sys.exit(main())
