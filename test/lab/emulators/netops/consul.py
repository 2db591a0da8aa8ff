"""
Consul: `service consul start|stop|restart|status`, the server on the proxy (`run consul server DIR`)
and the agent on a DA host (`run consul agent DIR`). Both listen on TCP 8300, TCP 8301, UDP 8301 and
the HTTP API on TCP 8500.

Membership is real UDP: every 0.25 s an agent sends a gossip datagram from its UDP 8301 to the
proxy's, carrying its DA's state (Failed when the DA is not running outside maintenance), and the
server answers each from its UDP 8301 with its view of the cluster. A DA is alive while the server
heard it within 3 s and it heard the server within 3 s, so a firewall on either side of UDP 8301
makes it failed. Consul needs server RPC and Serf LAN between all its servers, so the agents also
reach each other (UDP 8301, TCP 8300 and 8301): a link between the DAs that has not worked for 3 s
goes into both agents' gossip and makes both failed. The leader (the proxy, through which Raft
runs) needs 2 of the 3 servers. The server remembers the DAs it has seen in consul/members.json.
"""
import http.server
import json
import signal
import socket
import threading
import time

from labemu import now_iso, read_json, write_json

from .dadaemon import da_current
from .state import (BASE, CONSUL_HTTP_PORT, CONSUL_RPC_PORT, SERF_LAN_PORT, STOP, StateFile, TcpListener,
                    answers_of, claim, in_maintenance, is_running, lifetime_left, lsb_status, node_name,
                    on_terminate, own_address, resolve, spawn, stop_daemon)

CONSUL_MEMBERS = BASE + '/consul/members.json'
DA_SERVICE = 'lab-data-aggregator'
GOSSIP_EVERY = 0.25
ALIVE_WINDOW = 3.0


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


def server_view(me, remembered, heard, now):
    """
    The cluster as the server sees it at `now` (monotonic): the answers of its HTTP API, also sent
    back in each ack. `heard` holds, by DA, its last gossip and when it came.
    """
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


def decoded(data):
    """A datagram's JSON object, or None."""
    try:
        message = json.loads(data.decode())
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


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
            return server_view(me, remembered, heard, now)

    listeners, http_server, udp = serve_consul_ports(view)
    signal.signal(signal.SIGTERM, on_terminate)
    while not STOP.is_set() and lifetime_left(started):
        try:
            data, peer = udp.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError:
            break
        message = decoded(data)
        if message is None or message.get('type') != 'ping' or not message.get('node'):
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
    if in_maintenance():
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


def agent_view(me, ack, seen, now):
    """
    The cluster as an agent answers for it: the server's last view (`seen`) while it heard the
    server (`ack`, monotonic) within ALIVE_WINDOW; else only itself alive, and no leader.
    """
    if ack is not None and now - ack <= ALIVE_WINDOW and seen:
        return seen
    members = [member_entry(me['name'], me['addr'], True, 'aggregator')]
    for m in (seen or {}).get('members', []):
        if m['Name'] != me['name']:
            members.append(dict(m, Status=4))
    critical = [critical_check(m['Name'], 'serfHealth', 'Serf Health Status', 'Agent not live or unreachable')
                for m in members if m['Status'] != 1]
    return {'leader': '', 'peers': ['%s:%d' % (m['Addr'], CONSUL_RPC_PORT) for m in members],
            'members': members, 'critical': critical,
            'services': (seen or {}).get('services', {'consul': []})}


def gossip(udp, me, proxy_address, silent, links):
    """One round: the DA's state to the server (once its address is known), a ping to each other DA."""
    if proxy_address:
        da_state, reason = announced_da_state()
        ping = {'type': 'ping', 'node': me['name'], 'role': 'aggregator', 'daState': da_state,
                'daReason': reason, 'proxySilentFor': round(silent, 3),
                'peerProblems': links.problems()}
        try:
            udp.sendto(json.dumps(ping).encode(), (proxy_address, SERF_LAN_PORT))
        except OSError:
            pass
    for _, address in links.addresses():
        try:
            udp.sendto(json.dumps({'type': 'ping', 'node': me['name']}).encode(), (address, SERF_LAN_PORT))
        except OSError:
            pass


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
        return agent_view(me, ack, seen, time.monotonic())

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
            with lock:
                silent = now - (last['ack'] if last['ack'] is not None else started)
            gossip(udp, me, proxy['addr'], silent, links)
        try:
            data, peer = udp.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError:
            break
        message = decoded(data)
        if message is None:
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


def service_consul(verb, entry, role):
    """`service consul VERB`: the server on the proxy, the agent on a DA host."""
    if verb in ('stop', 'restart'):
        print('Stopping consul...')
        stop_daemon('consul')
    if verb in ('start', 'restart'):
        print('Starting consul...')
        return 0 if is_running('consul') or spawn('consul', [role, entry['dir']]) else 1
    if verb == 'status':
        return lsb_status('consul', 'consul', lambda pid: 'consul is running (pid %d)' % pid)
    return 0
