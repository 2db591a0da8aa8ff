#!/usr/bin/python3
"""
Lab emulation of a DataMiner Agent's service, SLDataMiner, on a lab host whose Windows side is the
lab's `powershell` (../windows). Installed as /lab/bin/dataminer-lab; the Windows emulation calls
it as the service's control command and as the programs SLKill.exe and NATSRepair.exe.

  dataminer-lab service start|stop|status   the service (status prints Running, StartPending,
                                            StopPending or Stopped)
  dataminer-lab slkill -f SL                C:\\Skyline DataMiner\\Files\\SLKill.exe: stops DataMiner
  dataminer-lab natsrepair                  C:\\Skyline DataMiner\\Tools\\NATSRepair.exe: counted
  dataminer-lab lab-state                   the agent's state as JSON (for tests)
  dataminer-lab run TOKEN                   the DataMiner process itself (internal)

At start, the process reads the DataMiner ID from DataMiner.xml (no readable ID: the start fails),
DB.xml as it is, and MaintenanceSettings.xml's <HTTPS enabled="..">; a plain-text <PWD> in DB.xml
is replaced by an encrypted stand-in (`lab-encrypted:` and a per-agent digest), as DataMiner
encrypts it at startup. It then listens on TCP 8004 (.NET Remoting), 4222 and 6222 (NATS, which
greet with an INFO line), 9090 (NATS account server, HTTP) and either 443 (TLS with the
certificate setup.ts generated) when HTTPS is enabled, or 80 (HTTP).

Configuration (written by setup.ts):
  /etc/dataminer-lab/agent.json       installDir (host path), windowsInstallDir, name, secret, tls
  /etc/dataminer-lab/tls/             cert.pem and key.pem, when the agent has HTTPS
Host-local state:
  /var/lib/dataminer-lab/state.json     what the process started with and its status
  /var/lib/dataminer-lab/counters.json  starts, stops, natsRepairs (kept across starts)
  /var/lib/dataminer-lab/run/           dataminer.lock (held by the running process), dataminer.pid
  /var/lib/dataminer-lab/knobs/         start-delay (seconds StartPending), fail-start (the reason)
  /var/log/dataminer-lab/dataminer.log  the process's own output
"""
import base64
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, '/lab/lib/python')
import labemu  # noqa: E402  (the lab's shared emulator helpers, installed beside this file)

SELF = '/lab/bin/dataminer-lab'
CONFIG = '/etc/dataminer-lab/agent.json'
BASE = '/var/lib/dataminer-lab'
STATE = BASE + '/state.json'
COUNTERS = BASE + '/counters.json'
RUN_DIR = BASE + '/run'
LOCK = RUN_DIR + '/dataminer.lock'
PID_FILE = RUN_DIR + '/dataminer.pid'
KNOBS = BASE + '/knobs'
LOG_DIR = '/var/log/dataminer-lab'

REMOTING_PORT = 8004
NATS_PORT = 4222
NATS_CLUSTER_PORT = 6222
NATS_ACCOUNT_PORT = 9090
HTTPS_PORT = 443
HTTP_PORT = 80
ENCRYPTED = 'lab-encrypted:'

START_WAIT = 15.0
STOP_WAIT = 15.0
# The process ends on its own after this long: a forgotten lab host never runs it for ever.
MAX_LIFETIME = 6 * 3600
STOP = threading.Event()


# ---------------------------------------------------------------- small helpers

def now_iso():
    return labemu.now_iso(milliseconds=True)


read = labemu.read
read_json = labemu.read_json
write_atomically = labemu.write_atomically
write_json = labemu.write_json
wait_until = labemu.wait_until


def config():
    value = read_json(CONFIG)
    if not value:
        sys.stderr.write('dataminer-lab: no agent configured (%s)\n' % CONFIG)
        sys.exit(1)
    return value


def local_name(tag):
    return tag.rsplit('}', 1)[-1]


# ---------------------------------------------------------------- the process's lock and state

# The process holds an exclusive flock on its lock file for its whole life.
PROCESS = labemu.SingletonLock(LOCK, PID_FILE)
is_running = PROCESS.held
running_pid = PROCESS.pid
claim = PROCESS.claim


STATE_LOCK = threading.Lock()


def update_state(**changes):
    with STATE_LOCK:
        state = read_json(STATE, {}) or {}
        state.update(changes)
        write_json(STATE, state)
        return state


def bump(counter):
    """Counters are changed by one process at a time (the running one, or SLKill): no lock needed."""
    counters = read_json(COUNTERS, {}) or {}
    counters[counter] = counters.get(counter, 0) + 1
    write_json(COUNTERS, counters)
    return counters[counter]


def status_word():
    if not is_running():
        return 'Stopped'
    status = (read_json(STATE, {}) or {}).get('status')
    return status if status in ('Running', 'StartPending', 'StopPending') else 'StartPending'


# ---------------------------------------------------------------- the files DataMiner reads at start

def read_id(install_dir):
    text = read(install_dir + '/DataMiner.xml')
    if text is None:
        raise ValueError('DataMiner.xml is missing')
    try:
        root = ET.fromstring(text.encode())
    except ET.ParseError as e:
        raise ValueError('DataMiner.xml does not parse: %s' % e)
    if local_name(root.tag) != 'DataMiner' or not re.match(r'^\d+$', root.get('id', '')):
        raise ValueError('DataMiner.xml has no <DataMiner id="..."> with a number')
    return int(root.get('id'))


def read_https(install_dir):
    text = read(install_dir + '/MaintenanceSettings.xml')
    if text is None:
        return {'enabled': False}
    try:
        root = ET.fromstring(text.encode())
    except ET.ParseError:
        return {'enabled': False, 'problem': 'MaintenanceSettings.xml does not parse'}
    for element in root.iter():
        if local_name(element.tag) == 'HTTPS':
            result = {'enabled': element.get('enabled', '').lower() == 'true'}
            if element.get('name'):
                result['name'] = element.get('name')
            return result
    return {'enabled': False}


def encrypt_passwords(install_dir, secret):
    """DataMiner encrypts a plain-text <PWD> at startup: DB.xml is rewritten when it had one."""
    path = install_dir + '/DB.xml'
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError:
        return False
    text = raw.decode('utf-8', 'replace')

    def encrypt(m):
        plain = m.group(1)
        if plain == '' or plain.startswith(ENCRYPTED):
            return m.group(0)
        digest = hashlib.sha256((secret + '\0' + plain).encode()).digest()
        return '<PWD>%s%s</PWD>' % (ENCRYPTED, base64.b64encode(digest).decode())

    changed = re.sub(r'<PWD>(.*?)</PWD>', encrypt, text, flags=re.S)
    if changed == text:
        return False
    write_atomically(path, changed.encode('utf-8'))
    return True


# ---------------------------------------------------------------- listeners

def http_response(title):
    body = ('<!DOCTYPE html><html><head><title>%s</title></head><body>%s</body></html>\n' % (title, title)).encode()
    return (b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'
            % len(body)) + body


def read_request(connection):
    data = b''
    while b'\r\n\r\n' not in data and len(data) < 65536:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


class Listener:
    """TCP on 0.0.0.0:port; each connection is handled in its own thread, bounded in time."""

    def __init__(self, port, handler):
        self.port = port
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('0.0.0.0', port))
        self.sock.listen(64)
        self.sock.settimeout(0.25)

    def start(self):
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while not STOP.is_set():
            try:
                connection, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        try:
            connection.settimeout(5)
            self.handler(connection)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                connection.close()
            except OSError:
                pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def hold_open(connection):
    """.NET Remoting: the connection stays until the client closes it (or 5 s of silence)."""
    while connection.recv(4096):
        pass


def nats_greeting(port, server_id):
    def handler(connection):
        info = {'server_id': server_id, 'server_name': socket.gethostname(), 'version': '2.10.0', 'proto': 1,
                'host': '0.0.0.0', 'port': port, 'headers': True, 'max_payload': 1048576}
        connection.sendall(('INFO %s\r\n' % json.dumps(info, separators=(',', ':'))).encode())
        hold_open(connection)
    return handler


def http_handler(title):
    def handler(connection):
        read_request(connection)
        connection.sendall(http_response(title))
    return handler


def https_handler(context, title, web_services=None):
    def handler(connection):
        with context.wrap_socket(connection, server_side=True) as tls:
            if web_services:
                web_services(tls)
            else:
                read_request(tls)
                tls.sendall(http_response(title))
    return handler


# ---------------------------------------------------------------- Web Services v1 (JSON)

WEB_SERVICES_PATH = '/api/v1/json.asmx/'
CONNECTIONS = {}


def read_http_request(connection):
    """Request line, headers (lower-cased names) and the body its Content-Length announces."""
    data = read_request(connection)
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    method, target = (lines[0].split(' ') + ['', ''])[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get('content-length', '0') or 0)
    while len(body) < min(length, 1 << 20):
        chunk = connection.recv(4096)
        if not chunk:
            break
        body += chunk
    return method, target, headers, body[:length]


def json_response(status, value):
    body = json.dumps(value).encode()
    reason = {200: 'OK', 404: 'Not Found', 500: 'Internal Server Error'}[status]
    return (b'HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\n'
            b'Connection: close\r\n\r\n' % (status, reason.encode(), len(body))) + body


def holds_addresses(addresses):
    out = subprocess.run(['ip', '-o', '-4', 'address', 'show'], capture_output=True, text=True).stdout
    mine = set(re.findall(r'inet (\d+\.\d+\.\d+\.\d+)/', out))
    return bool(addresses) and all(a in mine for a in addresses)


def failover_view(install_dir):
    """<Failover> of DMS.xml: (configured, its virtual IPs)."""
    try:
        root = ET.fromstring(read(install_dir + '/DMS.xml', ''))
    except ET.ParseError:
        return False, []
    failovers = [e for e in root.iter() if local_name(e.tag) == 'Failover']
    vips = [(e.text or '').strip() for f in failovers for e in f.iter() if local_name(e.tag) == 'VirtualIP']
    return bool(failovers), vips


def agents_info(cfg, dataminer_id):
    """
    DMAInfo per agent, as this agent sees the DMS: itself, and its Failover partner when DMS.xml has a
    <Failover>. Of a virtual-IP pair the agent holding the virtual IPs is Running, the other
    Disconnected; without virtual IPs this agent is Running and its partner Disconnected.
    """
    failover, vips = failover_view(cfg['installDir'])
    online = holds_addresses(vips) if vips else True
    cluster = cfg.get('name', socket.gethostname())
    changed = int(time.time() * 1000)
    entries = [{'ID': dataminer_id, 'Name': cfg.get('name', socket.gethostname()), 'PrimaryIP': cfg.get('address', ''),
                'Cluster': cluster, 'Status': 'Running' if online else 'Disconnected', 'IsFailOver': failover,
                'LastChangeUTC': changed}]
    partner = cfg.get('failoverPartner')
    if failover and partner:
        entries.append({'ID': dataminer_id, 'Name': partner.get('name', partner['ip']), 'PrimaryIP': partner['ip'],
                        'Cluster': cluster, 'Status': 'Disconnected' if online else 'Running', 'IsFailOver': True,
                        'LastChangeUTC': changed})
    return entries


def web_services(cfg, dataminer_id, title):
    """
    The JSON interface of Web Services v1: POST /API/v1/Json.asmx/<Method> with a JSON body.
    ConnectApp checks the login against webServices.users and answers a connection ID;
    GetDataMinerAgentsInfo needs a connection ID from ConnectApp. Answers are wrapped as ASP.NET
    script services wrap them ({"d": ...}), or bare with webServices.wrap false. Anything else
    under the interface is an error; other paths get the agent's page.
    """
    settings = cfg.get('webServices') or {}
    wrap = (lambda v: {'d': v}) if settings.get('wrap', True) else (lambda v: v)

    def handler(connection):
        method, target, headers, body = read_http_request(connection)
        path = target.split('?')[0]
        if not path.lower().startswith(WEB_SERVICES_PATH):
            connection.sendall(http_response(title))
            return
        name = path[len(WEB_SERVICES_PATH):]
        if method != 'POST' or not headers.get('content-type', '').lower().startswith('application/json'):
            connection.sendall(json_response(500, {'Message': 'Invalid web service call, missing value for '
                                                   'parameter or wrong content type'}))
            return
        try:
            fields = json.loads(body or b'{}')
        except ValueError:
            connection.sendall(json_response(500, {'Message': 'Invalid JSON primitive.'}))
            return
        if name == 'ConnectApp':
            users = settings.get('users') or {}
            login, password = fields.get('login'), fields.get('password')
            if login not in users or users[login] != password or not fields.get('clientAppName'):
                connection.sendall(json_response(500, {'Message': 'Login failed: invalid username or password.'}))
                return
            connection_id = str(uuid.uuid4())
            CONNECTIONS[connection_id] = login
            connection.sendall(json_response(200, wrap(connection_id)))
        elif name == 'GetDataMinerAgentsInfo':
            if fields.get('connection') not in CONNECTIONS:
                connection.sendall(json_response(500, {'Message': 'No connection available'}))
                return
            connection.sendall(json_response(200, wrap(agents_info(cfg, dataminer_id))))
        else:
            connection.sendall(json_response(500, {'Message': 'Unknown web method %s.' % name}))
    return handler


# ---------------------------------------------------------------- the process

def log(message):
    sys.stdout.write('%s %s\n' % (now_iso(), message))
    sys.stdout.flush()


def fail_start(fd, token, reason):
    log('start failed: ' + reason)
    # The lock goes first: whoever sees the failure sees the service stopped.
    os.close(fd)
    update_state(token=token, status='Failed', lastFailure={'time': now_iso(), 'reason': reason}, pid=None)
    return 1


def name_process(name):
    """The process's name as the OS lists it (Get-Process -Name SLDataMiner), not python3's."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def run(token):
    cfg = config()
    name_process('SLDataMiner')
    fd = claim()
    if fd is None:
        log('another DataMiner process runs')
        return 0
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    update_state(token=token, status='StartPending', pid=os.getpid(), since=now_iso())
    install_dir = cfg['installDir']
    delay = read(KNOBS + '/start-delay', '').strip()
    if delay:
        try:
            STOP.wait(min(float(delay), 3600))
        except ValueError:
            pass
    if STOP.is_set():
        update_state(status='Stopped', stoppedAt=now_iso(), pid=None)
        return 0
    reason = read(KNOBS + '/fail-start')
    if reason is not None:
        return fail_start(fd, token, reason.strip() or 'the start was made to fail (knob)')
    try:
        dataminer_id = read_id(install_dir)
    except ValueError as e:
        return fail_start(fd, token, str(e))
    db_xml = read(install_dir + '/DB.xml')
    encrypted = encrypt_passwords(install_dir, cfg.get('secret', ''))
    https = read_https(install_dir)
    name = cfg.get('name', socket.gethostname())
    server_id = uuid.uuid5(uuid.NAMESPACE_URL, 'dataminer-lab:%s:%s' % (name, dataminer_id)).hex.upper()
    handlers = [
        (REMOTING_PORT, hold_open),
        (NATS_PORT, nats_greeting(NATS_PORT, server_id)),
        (NATS_CLUSTER_PORT, nats_greeting(NATS_CLUSTER_PORT, server_id)),
        (NATS_ACCOUNT_PORT, http_handler('NATS account server')),
    ]
    title = 'DataMiner Agent %s' % name
    tls = cfg.get('tls')
    if https['enabled']:
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            try:
                context.load_cert_chain(tls['cert'], tls['key'])
                handlers.append((HTTPS_PORT, https_handler(context, title, web_services(cfg, dataminer_id, title))))
            except (OSError, ssl.SSLError) as e:
                https['problem'] = 'the certificate does not load: %s' % e
        else:
            https['problem'] = 'no certificate configured for this agent'
    else:
        handlers.append((HTTP_PORT, web_services(cfg, dataminer_id, title)))
    listeners = []
    try:
        for port, handler in handlers:
            listeners.append(Listener(port, handler))
    except OSError as e:
        for listener in listeners:
            listener.close()
        return fail_start(fd, token, 'cannot listen on TCP %d: %s' % (handlers[len(listeners)][0], e.strerror))
    for listener in listeners:
        listener.start()
    starts = bump('starts')
    update_state(token=token, status='Running', pid=os.getpid(), id=dataminer_id, dbXml=db_xml,
                 dbPasswordsEncrypted=encrypted, https=https, ports=[l.port for l in listeners],
                 startedAt=now_iso(), start=starts)
    log('DataMiner %d running on ports %s' % (dataminer_id, ', '.join(str(l.port) for l in listeners)))
    started = time.monotonic()
    while not STOP.wait(0.5):
        if time.monotonic() - started > MAX_LIFETIME:
            break
    update_state(status='StopPending')
    for listener in listeners:
        listener.close()
    update_state(status='Stopped', stoppedAt=now_iso(), pid=None)
    log('DataMiner stopped')
    os.close(fd)
    return 0


def spawn(token):
    """Starts the process detached (setsid: its own session, parent the host's init), as a service runs."""
    os.makedirs(LOG_DIR, exist_ok=True)
    with open(LOG_DIR + '/dataminer.log', 'ab') as out, open(os.devnull, 'rb') as null:
        subprocess.run(['/usr/bin/setsid', '-f', '/usr/bin/python3', SELF, 'run', token],
                       stdin=null, stdout=out, stderr=out, timeout=10, check=False)


# ---------------------------------------------------------------- commands

def service_start():
    config()
    if is_running():
        return 0
    token = uuid.uuid4().hex

    def settled():
        state = read_json(STATE, {}) or {}
        if state.get('token') != token:
            return None
        if state.get('status') == 'Failed':
            return 'failed'
        return 'running' if is_running() else None

    spawn(token)
    outcome = wait_until(settled, START_WAIT)
    if outcome == 'running':
        return 0
    state = read_json(STATE, {}) or {}
    reason = (state.get('lastFailure') or {}).get('reason') if outcome == 'failed' else 'it did not start in time'
    sys.stderr.write('SLDataMiner did not start: %s\n' % reason)
    return 1


def stop(by):
    """SIGTERM, then SIGKILL after STOP_WAIT. Counts a stop when the process was running."""
    pid = running_pid()
    if pid is None:
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if not wait_until(lambda: not is_running(), STOP_WAIT):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wait_until(lambda: not is_running(), 3)
        update_state(status='Stopped', stoppedAt=now_iso(), pid=None)
    bump('stops')
    update_state(lastStop={'time': now_iso(), 'by': by})
    return 0


def slkill(argv):
    if [a.lower() for a in argv] != ['-f', 'sl']:
        sys.stderr.write('SLKill.exe (lab): only "-f SL" is emulated; got %s\n' % ' '.join(argv))
        return 1
    return stop('SLKill.exe -f SL')


def taskbar(argv):
    """SLTaskbarUtility.exe -stop | -start, as `start /wait` runs it: its exit code is the result."""
    if len(argv) == 1 and argv[0].lower() == '-stop':
        return stop('SLTaskbarUtility.exe -stop')
    if len(argv) == 1 and argv[0].lower() == '-start':
        return service_start()
    sys.stderr.write('SLTaskbarUtility.exe (lab): only -stop and -start are emulated; got %s\n' % ' '.join(argv))
    return 1


def lab_state():
    state = read_json(STATE, {}) or {}
    counters = read_json(COUNTERS, {}) or {}
    running = is_running()
    report = dict(state, installed=read_json(CONFIG) is not None, running=running, status=status_word(),
                  starts=counters.get('starts', 0), stops=counters.get('stops', 0),
                  natsRepairs=counters.get('natsRepairs', 0))
    report.pop('token', None)
    if running:
        report['pid'] = running_pid()
    else:
        report.pop('pid', None)
    print(json.dumps(report))
    return 0


def main(argv):
    command = argv[0] if argv else ''
    if command == 'service' and len(argv) == 2:
        if argv[1] == 'start':
            return service_start()
        if argv[1] == 'stop':
            config()
            return stop('Stop-Service')
        if argv[1] == 'status':
            print(status_word())
            return 0
    if command == 'slkill':
        config()
        return slkill(argv[1:])
    if command == 'taskbar':
        config()
        return taskbar(argv[1:])
    if command == 'natsrepair':
        config()
        bump('natsRepairs')
        return 0
    if command == 'lab-state':
        return lab_state()
    if command == 'run' and len(argv) == 2:
        return run(argv[1])
    sys.stderr.write('usage: dataminer-lab service start|stop|status | slkill -f SL | taskbar -stop|-start | natsrepair | lab-state\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
