#!/usr/bin/python3
"""
Lab emulation of the Windows side of the library's runner: the `powershell` command Windows
OpenSSH starts for every command the library sends to a Windows host. Installed as
/lab/bin/powershell, first on PATH for SSH sessions.

Accepted command line, exactly (anything else exits 99):
  powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <base64 of UTF-16LE>

The decoded script is split the way the library builds it (bindPowerShellVariables): the two
preference lines, `$name = '<literal>'` bindings, then the body. The body must be exactly one
script of the catalogue that setup.ts writes from the library's own constants; each catalogue
entry names the behaviour below that does what that script does. An unknown body exits 99 with
`lab powershell: unknown script: <first line>` on stderr.

Windows paths map into the host's own filesystem: `C:\\X\\Y` is /mnt/c/X/Y (drive letter in either
case, `\\` or `/` between names). An existing name matches in any case, as on NTFS. A path
without a drive letter is not emulated (exit 99).

Configuration (written by setup.ts):
  /etc/windows-lab/primitives.json  {"settings": {...}, "primitives": [{"name", "behaviour", "script"}]}
  /etc/windows-lab/services.json    Windows services: name -> {"kind": "command", "control": argv}
                                    (argv + start|stop|status), {"kind": "systemd", "unit": u}
                                    (the lab's systemctl), {"kind": "never-starts"} or
                                    {"kind": "fails-to-start"}
  /etc/windows-lab/programs.json    programs `&` can run: host path of the .exe/.bat -> {"argv": [...]}
Host-local state:
  /var/lib/windows-lab/services/<name>.state   StartPending once a never-starts service was started
  /var/log/windows-lab/command-lines.jsonl     every command line received, as cmd.exe /c got it;
                                               one over 8,191 characters exits 1 with cmd.exe's
                                               "The command line is too long." and runs nothing
"""
import base64
import fnmatch
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

CONFIG_DIR = '/etc/windows-lab'
CATALOGUE = CONFIG_DIR + '/primitives.json'
SERVICES = CONFIG_DIR + '/services.json'
PROGRAMS = CONFIG_DIR + '/programs.json'
STATE_DIR = '/var/lib/windows-lab'
DRIVES = '/mnt'
SYSTEMCTL = '/lab/bin/systemctl'

# What the emulation itself answers when asked something it does not know.
NOT_EMULATED = 99
NEWLINE = '\r\n'
USAGE_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']
PREFERENCES = "$ErrorActionPreference = 'Stop'\n$ProgressPreference = 'SilentlyContinue'\n"
QUOTES = "'\u2018\u2019\u201a\u201b"
BINDING = re.compile(r'\$([A-Za-z_][A-Za-z0-9_]*) = ')
DRIVE_PATH = re.compile(r'^([A-Za-z]):(?:[\\/](.*))?$', re.S)

# Bounds on waits no script bounds itself (the runner's supervisor normally ends them first).
START_SERVICE_LIMIT = 1800
NATIVE_LIMIT = 3600
SUPERVISOR_LIMIT_MS = 6 * 3600 * 1000


class Exit(Exception):
    """PowerShell's `exit N`."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class NotEmulated(Exception):
    """Something the lab does not emulate: it fails loudly rather than guess."""


class PsError(Exception):
    """A terminating error: PowerShell prints the error record on stderr and exits 1."""

    def __init__(self, command, message, statement, category, fqid):
        super().__init__(message)
        self.command = command
        self.message = message
        self.statement = statement
        self.category = category
        self.fqid = fqid


# ---------------------------------------------------------------- output

def emit(stream, text):
    stream.buffer.write(text.encode('utf-8'))
    stream.buffer.flush()


def read_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


# ---------------------------------------------------------------- the script and its variables

class Script:
    def __init__(self, name, body, variables, first_line, settings):
        self.name = name
        self.body = body
        self.variables = variables
        self.first_line = first_line
        self.settings = settings

    def setting(self, key):
        if key not in self.settings:
            raise NotEmulated('the catalogue has no setting %s' % key)
        return self.settings[key]

    def var(self, name, parameter=None, empty_ok=True):
        """A bound variable; unset is $null, which a cmdlet parameter refuses."""
        value = self.variables.get(name.lower())
        if value is None and parameter:
            raise self.error('', "Cannot bind argument to parameter '%s' because it is null." % parameter,
                             '$' + name, 'InvalidData: (:) [], ParameterBindingValidationException',
                             'ParameterArgumentValidationErrorNullNotAllowed')
        if value == '' and parameter and not empty_ok:
            raise self.error('', "Cannot bind argument to parameter '%s' because it is an empty string." % parameter,
                             '$' + name, 'InvalidData: (:) [], ParameterBindingValidationException',
                             'ParameterArgumentValidationErrorEmptyStringNotAllowed')
        return '' if value is None else value

    def out(self, text):
        """Write-Output of one string, as the console host prints it."""
        emit(sys.stdout, text + NEWLINE)

    def error(self, command, message, statement, category, fqid):
        return PsError(command, message, statement, category, fqid)

    def to_int(self, name, value):
        """PowerShell's [int] cast of a string."""
        text = value.strip()
        if text == '':
            return 0
        try:
            return int(text, 10)
        except ValueError:
            pass
        try:
            return int(round(float(text)))
        except (ValueError, OverflowError):
            raise self.error('', 'Cannot convert value "%s" to type "System.Int32". Error: "Input string was not in a '
                             'correct format."' % value, '[int]$' + name, 'InvalidArgument: (:) [], RuntimeException',
                             'InvalidCastFromStringToInteger')

    def render(self, e):
        """The error record as Windows PowerShell prints it for a non-interactive session."""
        lines = self.body.split('\n')
        index = next((i for i, l in enumerate(lines) if e.statement and e.statement in l), 0)
        line = lines[index] if lines else ''
        column = max(line.find(e.statement), 0) if e.statement else 0
        width = len(e.statement) if e.statement else max(len(line.strip()), 1)
        prefix = '%s : ' % e.command if e.command else ''
        return ''.join(x + NEWLINE for x in [
            prefix + e.message,
            'At line:%d char:%d' % (self.first_line + index, column + 1),
            '+ ' + line.strip(),
            '+ ' + ' ' * max(column - (len(line) - len(line.lstrip())), 0) + '~' * width,
            '    + CategoryInfo          : ' + e.category,
            '    + FullyQualifiedErrorId : ' + e.fqid,
            ' ',
        ])


def literal(text, start):
    """A single-quoted literal from its opening quote: (value, index after the closing quote)."""
    i = start + 1
    value = []
    while i < len(text):
        c = text[i]
        if c in QUOTES:
            if i + 1 < len(text) and text[i + 1] in QUOTES:
                value.append(text[i + 1])
                i += 2
                continue
            return ''.join(value), i + 1
        value.append(c)
        i += 1
    return None, None


def split_script(text, known):
    """(body, variables, line number of the body's first line); body None when the head is not the library's."""
    if not text.startswith(PREFERENCES):
        return None, {}, 1, text
    rest = text[len(PREFERENCES):]
    variables = {}
    line = 3
    # A body may itself start with an assignment: a known body ends the bindings wherever it starts.
    for _ in range(100000):
        if rest in known:
            break
        m = BINDING.match(rest)
        if not m or m.end() >= len(rest) or rest[m.end()] not in QUOTES:
            break
        value, end = literal(rest, m.end())
        if end is None or end >= len(rest) or rest[end] != '\n':
            break
        variables[m.group(1).lower()] = value
        line += rest[:end].count('\n') + 1
        rest = rest[end + 1:]
    return rest, variables, line, rest


# ---------------------------------------------------------------- Windows paths

def match_case(directory, name):
    """The entry of `directory` named `name` in any case (NTFS), or `name` when there is none."""
    if os.path.lexists(os.path.join(directory, name)):
        return name
    try:
        wanted = name.casefold()
        for entry in sorted(os.listdir(directory)):
            if entry.casefold() == wanted:
                return entry
    except OSError:
        pass
    return name


def split_windows(path):
    """(drive letter, [names]) of an absolute drive path; NotEmulated otherwise."""
    m = DRIVE_PATH.match(path)
    if not m:
        raise NotEmulated('not a drive path (only C:\\... paths are emulated): %s' % path)
    names = []
    for part in re.split(r'[\\/]+', m.group(2) or ''):
        if part in ('', '.'):
            continue
        if part == '..':
            if names:
                names.pop()
            continue
        names.append(part)
    return m.group(1).lower(), names


def host_path(path):
    drive, names = split_windows(path)
    current = '%s/%s' % (DRIVES, drive)
    for name in names:
        current = os.path.join(current, match_case(current, name))
    return current


def windows_parent(path):
    """[IO.Path]::GetDirectoryName: None for a root."""
    cut = max(path.rfind('\\'), path.rfind('/'))
    if cut < 0:
        return ''
    parent = path[:cut]
    if re.match(r'^[A-Za-z]:$', parent):
        return None if cut == len(path) - 1 else parent + path[cut]
    return parent


def windows_name(path):
    cut = max(path.rfind('\\'), path.rfind('/'))
    return path[cut + 1:]


# ---------------------------------------------------------------- services

def all_services():
    return read_json(SERVICES, {})


def find_services(pattern):
    """Get-Service -Name: service names match in any case, with wildcards."""
    services = all_services()
    wanted = pattern.casefold()
    if any(c in pattern for c in '*?['):
        names = [n for n in services if fnmatch.fnmatchcase(n.casefold(), wanted)]
    else:
        names = [n for n in services if n.casefold() == wanted]
    return [(n, services[n]) for n in sorted(names, key=str.casefold)]


def pending_file(name):
    return '%s/services/%s.state' % (STATE_DIR, name)


def run_quietly(argv, timeout):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess(argv, 1, b'', str(e).encode())


def service_status(name, entry):
    kind = entry.get('kind')
    if kind == 'command':
        r = run_quietly(entry['control'] + ['status'], 30)
        word = r.stdout.decode('utf-8', 'replace').strip()
        return word if word in ('Running', 'Stopped', 'StartPending', 'StopPending', 'Paused') else 'Stopped'
    if kind == 'systemd':
        r = run_quietly([entry.get('systemctl', SYSTEMCTL), 'status', entry['unit']], 30)
        return 'Running' if r.returncode == 0 else 'Stopped'
    if kind == 'never-starts':
        try:
            with open(pending_file(name)) as f:
                return f.read().strip() or 'Stopped'
        except OSError:
            return 'Stopped'
    return 'Stopped'


def begin_start(name, entry):
    """Asks the service to start; False when it refuses at once."""
    kind = entry.get('kind')
    if kind == 'command':
        return run_quietly(entry['control'] + ['start'], 60).returncode == 0
    if kind == 'systemd':
        return run_quietly([entry.get('systemctl', SYSTEMCTL), 'start', entry['unit']], 120).returncode == 0
    if kind == 'never-starts':
        os.makedirs(os.path.dirname(pending_file(name)), exist_ok=True)
        with open(pending_file(name), 'w') as f:
            f.write('StartPending\n')
        return True
    return False


def start_service_cmdlet(s, pattern, statement):
    """Start-Service -Name: waits while the service is StartPending, as the cmdlet does."""
    found = find_services(pattern)
    if not found:
        raise s.error('Start-Service', "Cannot find any service with service name '%s'." % pattern, statement,
                      'ObjectNotFound: (%s:String) [Start-Service], ServiceCommandException' % pattern,
                      'NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.StartServiceCommand')
    for name, entry in found:
        label = '%s (%s)' % (name, entry.get('displayName', name))
        if service_status(name, entry) == 'Running':
            continue
        if not begin_start(name, entry):
            raise s.error('Start-Service', "Service '%s' cannot be started due to the following error: Cannot start "
                          "service %s on computer '.'." % (label, name), statement,
                          'OpenError: (System.ServiceProcess.ServiceController:ServiceController) [Start-Service], '
                          'ServiceCommandException', 'CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand')
        started = time.monotonic()
        warned = started
        for _ in range(START_SERVICE_LIMIT * 4):
            status = service_status(name, entry)
            if status == 'Running':
                break
            if status == 'Stopped' or time.monotonic() - started > START_SERVICE_LIMIT:
                raise s.error('Start-Service', "Failed to start service '%s'." % label, statement,
                              'OpenError: (System.ServiceProcess.ServiceController:ServiceController) '
                              '[Start-Service], ServiceCommandException',
                              'StartServiceFailed,Microsoft.PowerShell.Commands.StartServiceCommand')
            if time.monotonic() - warned >= 2:
                warned = time.monotonic()
                s.out("WARNING: Waiting for service '%s' to start..." % label)
            time.sleep(0.25)


# ---------------------------------------------------------------- programs

def find_program(program):
    """The argv of a program `&` can run: a registered drive path whose file exists, else None."""
    try:
        path = host_path(program)
    except NotEmulated:
        return None
    entry = read_json(PROGRAMS, {}).get(path)
    if entry is None or not os.path.isfile(path):
        return None
    return entry['argv']


def call_native(s, program, arguments, statement):
    """`$output = & $program @args 2>&1 | % { "$_" }`, then `$output | Out-String | Write-Output` and the exit code."""
    argv = find_program(program)
    if argv is None:
        emit(sys.stderr, s.render(s.error(
            '&', "The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. "
            'Check the spelling of the name, or if a path was included, verify that the path is correct and try again.'
            % program, statement, 'ObjectNotFound: (%s:String) [], CommandNotFoundException' % program,
            'CommandNotFoundException')))
        # $output was never assigned and $LASTEXITCODE never set: an empty line, then exit 1.
        s.out('')
        raise Exit(1)
    try:
        r = subprocess.run(argv + arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=NATIVE_LIMIT)
        output, code = r.stdout, r.returncode
    except subprocess.TimeoutExpired as e:
        output, code = e.output or b'', 1
    lines = output.decode('utf-8', 'replace').replace('\r\n', '\n').split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    s.out(''.join(line + NEWLINE for line in lines))
    raise Exit(code & 0xFF if code >= 0 else 1)


# ---------------------------------------------------------------- behaviours

def read_file(s):
    path = s.var('path', 'LiteralPath', empty_ok=False)
    target = host_path(path)
    if not os.path.isfile(target):
        raise Exit(s.setting('missingFileStatus'))
    try:
        with open(target, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise s.error('', 'Exception calling "ReadAllBytes" with "1" argument(s): "%s"' % e.strerror,
                      '[IO.File]::ReadAllBytes($path)', 'NotSpecified: (:) [], MethodInvocationException',
                      'UnauthorizedAccessException')
    s.out(base64.b64encode(data).decode('ascii'))


def method_error(s, method, count, message, statement, exception):
    return s.error('', 'Exception calling "%s" with "%d" argument(s): "%s"' % (method, count, message), statement,
                   'NotSpecified: (:) [], MethodInvocationException', exception)


def atomic_write(s):
    path = s.var('path')
    # The content is standard input, exactly $length bytes ([Console]::OpenStandardInput().CopyTo).
    data = sys.stdin.buffer.read()
    if len(data) != s.to_int('length', s.var('length')):
        emit(sys.stderr, 'short input for %s: %d of %s bytes arrived%s' % (path, len(data), s.var('length'), NEWLINE))
        raise Exit(65)
    parent = windows_parent(path)
    if parent is None:
        raise method_error(s, 'CreateDirectory', 1, 'Path cannot be the empty string or all whitespace.',
                           '[IO.Directory]::CreateDirectory($dir)', 'ArgumentException')
    directory = host_path(parent or path)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise method_error(s, 'CreateDirectory', 1, "Cannot create '%s' because a file or directory with the same name "
                           'already exists.' % parent, '[IO.Directory]::CreateDirectory($dir)', 'IOException') from e
    name = windows_name(path)
    tmp = os.path.join(directory, '.%s.cdktf-failover.%s' % (name, uuid.uuid4().hex))
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    target = os.path.join(directory, match_case(directory, name))
    if os.path.isfile(target):
        suffix = s.var('suffix')
        backup = os.path.join(directory, match_case(directory, name + suffix))
        if os.path.isdir(backup):
            raise method_error(s, 'Replace', 3, 'Access to the path is denied.', '[IO.File]::Replace($tmp, $path, $backup)',
                               'UnauthorizedAccessException')
        if os.path.lexists(backup):
            os.remove(backup)
        # The previous file becomes the backup, the new one takes its name: readers never miss the file.
        os.link(target, backup)
        os.replace(tmp, target)
        s.out(path + suffix)
        keep = s.to_int('keep', s.var('keep'))
        pattern = (name + '.cdktf-failover-backup-*').replace('[', '[[]').casefold()
        backups = sorted((e for e in os.listdir(directory) if fnmatch.fnmatchcase(e.casefold(), pattern)),
                         key=str.casefold, reverse=True)
        for old in backups[max(keep, 0):]:
            old_path = os.path.join(directory, old)
            if os.path.isfile(old_path):
                os.remove(old_path)
    else:
        try:
            # [IO.File]::Move never replaces what is there.
            os.link(tmp, target)
        except OSError:
            raise method_error(s, 'Move', 2, 'Cannot create a file when that file already exists.',
                               '[IO.File]::Move($tmp, $path)', 'IOException')
        os.remove(tmp)


def remove_file(s):
    path = s.var('path', 'LiteralPath')
    try:
        target = host_path(path)
        if os.path.isfile(target) or os.path.islink(target):
            os.remove(target)
        elif os.path.isdir(target) and not os.listdir(target):
            os.rmdir(target)
    except OSError:
        pass
    raise Exit(0)


def path_exists(s):
    path = s.var('path', 'LiteralPath', empty_ok=False)
    raise Exit(0 if os.path.exists(host_path(path)) else s.setting('missingStatus'))


def list_folders(s):
    path = s.var('path', 'LiteralPath', empty_ok=False)
    directory = host_path(path)
    if not os.path.isdir(directory):
        raise Exit(s.setting('missingStatus'))
    for name in sorted((e for e in os.listdir(directory) if os.path.isdir(os.path.join(directory, e))),
                       key=str.casefold):
        s.out(name)


def service_status_behaviour(s):
    found = find_services(s.var('name', 'Name'))
    if not found:
        raise Exit(s.setting('missingStatus'))
    for name, entry in found:
        s.out(service_status(name, entry))


def service_state(s):
    service = s.var('service')
    found = find_services(service)
    if not found:
        s.out('no service named %s' % service)
        raise Exit(s.setting('serviceMissingStatus'))
    name, entry = found[0]
    status = service_status(name, entry)
    s.out('%s: %s' % (name, status))
    raise Exit(s.setting('serviceRunningStatus') if status == 'Running' else s.setting('serviceStoppedStatus'))


def start_service(s):
    name = s.var('name', 'Name')
    start_service_cmdlet(s, name, 'Start-Service -Name $name')
    seconds_text = s.var('seconds')
    seconds = s.to_int('seconds', seconds_text)
    deadline = time.monotonic() + seconds
    found = find_services(name)
    for _ in range(max(seconds, 0) * 2 + 2):
        if found and service_status(*found[0]) == 'Running':
            raise Exit(0)
        time.sleep(0.5)
        if time.monotonic() >= deadline:
            break
    status = service_status(*found[0]) if found else ''
    s.out('%s is %s after %s s' % (name, status, seconds_text))
    raise Exit(1)


def run_program(s):
    arguments = [a for a in s.var('arguments').split('\n') if a != '']
    call_native(s, s.var('program'), arguments, '& $program @list')


def nodetool(s):
    command = s.var('command')
    call_native(s, s.var('nodetool'), [command] if command != '' else [], '& $nodetool $command')


def resolve_name(s):
    name = s.var('name') or socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Exit(s.setting('missingStatus'))
    seen = []
    for family, _, _, _, address in infos:
        if family == socket.AF_INET and address[0] not in seen:
            seen.append(address[0])
    for address in seen:
        s.out(address)


def answers_at(s):
    address = s.var('address')
    ping = run_quietly(['ping', '-n', '-q', '-c', '2', '-i', '0.2', '-W', '1', address], 15)
    if ping.returncode == 0:
        s.out('icmp')
        raise Exit(0)
    try:
        ipv4 = socket.getaddrinfo(address, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except (OSError, UnicodeError, IndexError):
        s.out('none')
        return
    route = run_quietly(['ip', '-4', 'route', 'get', ipv4], 10).stdout.decode('utf-8', 'replace')
    device = re.search(r'\bdev (\S+)', route)
    if device and not route.startswith('local'):
        arp = run_quietly(['arping', '-f', '-c', '2', '-w', '2', '-I', device.group(1), ipv4], 15)
        mac = re.search(r'\[([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\]', arp.stdout.decode('utf-8', 'replace'))
        if mac:
            s.out('arp ' + mac.group(1).upper().replace(':', '-'))
            raise Exit(0)
    s.out('none')


def adapter_alias(device):
    """Windows names adapters Ethernet, Ethernet 2, ...: eth0 is Ethernet, eth1 Ethernet 2."""
    m = re.match(r'^eth(\d+)$', device)
    if not m:
        return device
    n = int(m.group(1))
    return 'Ethernet' if n == 0 else 'Ethernet %d' % (n + 1)


def list_adapter_addresses(s):
    out = run_quietly(['ip', '-4', '-o', 'address', 'show'], 10).stdout.decode('utf-8', 'replace')
    rows = []
    for line in out.splitlines():
        m = re.match(r'^(\d+):\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)/', line)
        if not m or m.group(2) == 'lo' or m.group(3).startswith('169.254.'):
            continue
        rows.append((int(m.group(1)), adapter_alias(m.group(2)), m.group(3)))
    for _, alias, address in sorted(rows, key=lambda r: r[0]):
        s.out('%s\t%s' % (alias, address))


def port_check(s):
    address, port_text, timeout_text = s.var('address'), s.var('port'), s.var('timeoutMs')
    where = '%s:%s' % (address, port_text)
    try:
        port = s.to_int('port', port_text)
        timeout_ms = s.to_int('timeoutMs', timeout_text)
    except PsError as e:
        s.out('cannot connect to %s - %s' % (where, e.message))
        raise Exit(1)
    if not 0 <= port <= 65535:
        s.out('cannot connect to %s - Specified argument was out of the range of valid values.\r\nParameter name: port'
              % where)
        raise Exit(1)
    if timeout_ms > 0:
        try:
            with socket.create_connection((address, port), timeout=timeout_ms / 1000.0):
                raise Exit(0)
        except socket.timeout:
            pass
        except OSError:
            # The task's AggregateException: its own message, whatever the socket error was.
            s.out('cannot connect to %s - One or more errors occurred.' % where)
            raise Exit(1)
    s.out('no answer from %s within %s ms' % (where, timeout_text))
    raise Exit(124)


def first_file(directory, windows):
    """Get-ChildItem -Recurse -File: a folder's files in name order, then each subfolder in turn."""
    try:
        entries = sorted(os.listdir(directory), key=str.casefold)
    except OSError:
        return None
    for entry in entries:
        if os.path.isfile(os.path.join(directory, entry)):
            return windows + '\\' + entry
    for entry in entries:
        full = os.path.join(directory, entry)
        if os.path.isdir(full):
            found = first_file(full, windows + '\\' + entry)
            if found:
                return found
    return None


def first_data_file(s):
    directory = s.var('directory', 'LiteralPath', empty_ok=False)
    target = host_path(directory)
    if os.path.isdir(target):
        found = first_file(target, directory.rstrip('\\/') or directory)
        if found:
            s.out(found)
    raise Exit(0)


def descendants(root):
    """Every process below `root`, by parent pid (what taskkill /T walks)."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                stat = f.read()
            ppid = int(stat[stat.rfind(')') + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, queue = [], [root]
    while queue and len(found) < 100000:
        pid = queue.pop()
        for child in children.get(pid, []):
            found.append(child)
            queue.append(child)
    return found


def timeout_supervisor(s):
    inner = s.var('inner')
    limit_ms = min(max(s.to_int('timeoutMs', s.var('timeoutMs')), 0), SUPERVISOR_LIMIT_MS)
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__)] + USAGE_ARGS + [inner],
                             stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file, start_new_session=True)
    try:
        code = child.wait(timeout=limit_ms / 1000.0)
    except subprocess.TimeoutExpired:
        for pid in [child.pid] + descendants(child.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        emit(sys.stderr, s.setting('timedOutMarker') + NEWLINE)
        raise Exit(s.setting('timedOutStatus'))
    for source, stream in ((out_file, sys.stdout), (err_file, sys.stderr)):
        source.seek(0)
        stream.buffer.write(source.read())
        stream.buffer.flush()
    raise Exit(code & 0xFF if code >= 0 else 1)


BEHAVIOURS = {
    'read-file': read_file,
    'atomic-write': atomic_write,
    'remove-file': remove_file,
    'timeout-supervisor': timeout_supervisor,
    'path-exists': path_exists,
    'list-folders': list_folders,
    'service-status': service_status_behaviour,
    'service-state': service_state,
    'start-service': start_service,
    'run-program': run_program,
    'nodetool': nodetool,
    'resolve-name': resolve_name,
    'answers-at': answers_at,
    'list-adapter-addresses': list_adapter_addresses,
    'port-check': port_check,
    'first-data-file': first_data_file,
}


# ---------------------------------------------------------------- main

def fail(message):
    emit(sys.stderr, 'lab powershell: %s\n' % message)
    return NOT_EMULATED


# Windows OpenSSH runs an exec request as `cmd.exe /c <command line>`; cmd.exe refuses a line
# longer than 8,191 characters (KB 830473) before PowerShell starts. The lab records every line.
CMD_EXE_LIMIT = 8191
COMMAND_LINES = '/var/log/windows-lab/command-lines.jsonl'


def record_command_line(line):
    os.makedirs(os.path.dirname(COMMAND_LINES), exist_ok=True)
    with open(COMMAND_LINES, 'a', encoding='utf-8') as f:
        f.write(json.dumps({'length': len(line), 'line': line}) + '\n')


def main(argv):
    # The library sends nothing that needs quoting on this line: it is the words joined by spaces.
    line = ' '.join(['powershell'] + argv)
    record_command_line(line)
    if len(line) > CMD_EXE_LIMIT:
        emit(sys.stderr, 'The command line is too long.' + NEWLINE)
        return 1
    if len(argv) != 6 or argv[:5] != USAGE_ARGS:
        return fail('only `powershell %s <base64 of UTF-16LE>` is emulated; got %s' % (' '.join(USAGE_ARGS),
                                                                                      ' '.join(argv)))
    try:
        raw = base64.b64decode(argv[5], validate=True)
        text = raw.decode('utf-16-le')
    except ValueError:
        return fail('-EncodedCommand is not base64 of UTF-16LE text')
    catalogue = read_json(CATALOGUE, None)
    if not catalogue:
        return fail('no catalogue at %s: install the Windows emulation with setup.ts' % CATALOGUE)
    known = {p['script']: p for p in catalogue['primitives']}
    body, variables, first_line, rest = split_script(text, known)
    primitive = known.get(body) if body is not None else None
    if primitive is None:
        return fail('unknown script: %s' % rest.split('\n')[0])
    behaviour = BEHAVIOURS.get(primitive['behaviour'])
    if behaviour is None:
        return fail('no behaviour %s (for %s)' % (primitive['behaviour'], primitive['name']))
    script = Script(primitive['name'], body, variables, first_line, catalogue.get('settings', {}))
    try:
        behaviour(script)
        return 0
    except Exit as e:
        return e.code
    except PsError as e:
        emit(sys.stderr, script.render(e))
        return 1
    except NotEmulated as e:
        return fail(str(e))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
