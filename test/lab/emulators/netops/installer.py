"""
The InstallAnywhere installer of each component: `netops-lab install COMPONENT VERSION PROGRAM
ARGS...`, which the .bin wrapper setup.ts writes calls. Its only accepted command line is
`PROGRAM -i silent -f FILE`; the response file is read as properties.py reads it.

The fault-tolerance answers are asked once, at the first install, and saved in
<install dir>/.lab/answers.json (0600); an upgrade (the same component already in that directory,
with saved answers) reuses them and stops the component's services around its work, so on the
Active DA it hands the Active lock to the other DA: an unplanned failover. Every run, failed or
not, appends one JSON line to installs.log; neither the log nor the output holds the password.
"""
import json
import os

from labemu import err, now_iso, read, write_atomically, write_json

from . import dadaemon, dcmd
from .properties import parse_properties
from .state import BASE, COMPONENTS, CORE, LOG_DIR, answers_of, component, in_maintenance, knob, spawn, stop_daemon

INSTALLS_LOG = BASE + '/installs.log'
UNPLANNED_FAILOVERS_LOG = BASE + '/unplanned-failovers.log'

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
    current = dadaemon.da_current()
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


def answer_problems(kind, props, upgrade, installed_kind, registered):
    """
    What stops a run before it writes anything: a required key missing or blank (an upgrade needs
    USER_INSTALL_DIR only), a relative directory, a directory holding another component, the
    component already installed elsewhere (`registered`: its registry entry), a database port that
    is no port.
    """
    install_dir = props.get('USER_INSTALL_DIR', '').strip()
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
    if registered and install_dir and registered.get('dir') != install_dir:
        problems.append('the %s is already installed in %s' % (COMPONENT_TITLES[kind], registered.get('dir')))
    port = props.get('LAB_DB_PORT', '').strip()
    if kind == 'aggregator' and not upgrade and port and not (port.isdigit() and 0 < int(port) < 65536):
        problems.append('property LAB_DB_PORT is not a port number: %s' % port)
    return problems


def write_component_files(kind, install_dir, version):
    os.makedirs(install_dir, exist_ok=True)
    os.makedirs(install_dir + '/.lab', mode=0o700, exist_ok=True)
    os.chmod(install_dir + '/.lab', 0o700)
    quoted = "'%s'" % install_dir.replace("'", "'\\''")
    if kind == 'aggregator':
        os.makedirs('%s/%s/data/log' % (install_dir, dadaemon.KARAF), exist_ok=True)
        os.makedirs('%s/%s/etc' % (install_dir, dadaemon.KARAF), exist_ok=True)
        write_atomically(install_dir + '/scripts/dadaemon',
                         '#!/bin/sh\n# Data Aggregator service control (lab emulation).\n'
                         'exec /usr/bin/python3 %s dadaemon %s "$@"\n' % (CORE, quoted), 0o755)
    elif kind == 'collector':
        os.makedirs(install_dir + '/bin', exist_ok=True)
        write_atomically(install_dir + '/bin/dcmd',
                         '#!/bin/sh\n# Data Collector service control (lab emulation).\n'
                         'exec /usr/bin/python3 %s service dcmd "$@"\n' % CORE, 0o755)
    elif kind == 'proxy':
        os.makedirs(install_dir + '/consul/data', exist_ok=True)
    elif kind == 'portal':
        os.makedirs(install_dir + '/PerformanceCenter', exist_ok=True)
    write_atomically(install_dir + '/.lab/version', version + '\n')
    write_atomically(install_dir + '/.lab/component', kind + '\n')


def stop_component(kind):
    if kind == 'aggregator':
        # The standby's watcher and the DA process alike: a stopped Active one hands over the lock.
        dadaemon.da_stop()
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
        if not in_maintenance() and dadaemon.da_start(install_dir) is None:
            problems.append('the Data Aggregator did not start (see %s/dadaemon.log)' % LOG_DIR)
    elif kind == 'collector':
        if not dcmd.dcmd_start(install_dir):
            problems.append('dcmd did not start (see %s/dcmd.log)' % LOG_DIR)
    elif kind == 'proxy':
        if not spawn('consul', ['server', install_dir]):
            problems.append('the Consul server did not start (see %s/consul.log)' % LOG_DIR)
    return problems


def failed(entry, messages):
    """Exit status 2, one stderr line per problem, and the run logged as failed."""
    for message in messages:
        err('Installation failed: ' + message)
    log_install(dict(entry, result='failed', errors=messages))
    return 2


def read_response(response):
    """(properties, None), or (None, the problem) when the response file cannot be read."""
    try:
        with open(response, 'rb') as f:
            return parse_properties(f.read()), None
    except OSError as e:
        return None, 'cannot read the response file %s: %s' % (response, e.strerror)
    except ValueError as e:
        return None, 'the response file %s cannot be read: %s' % (response, e)


def stop_for_upgrade(kind, install_dir, version, entry):
    """Stops the component's services; an Active DA stopped so hands over to the other one."""
    was_active = kind == 'aggregator' and aggregator_was_active()
    stop_component(kind)
    if was_active:
        log_unplanned_failover(install_dir, version)
        entry['unplannedFailover'] = True
        print('Stopped the Active Data Aggregator: the other one takes over.')


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
    props, problem = read_response(response)
    if problem:
        return failed(entry, [problem])

    install_dir = props.get('USER_INSTALL_DIR', '').strip()
    entry['dir'] = install_dir
    installed_kind = read(install_dir + '/.lab/component', '').strip() if install_dir else ''
    # An upgrade needs a finished install: a run that stopped midway saved no answers, so the next
    # run installs over it and asks them again.
    upgrade = installed_kind == kind and os.path.exists(install_dir + '/.lab/answers.json')
    problems = answer_problems(kind, props, upgrade, installed_kind, component(kind))
    if problems:
        return failed(entry, problems)

    if upgrade:
        saved = answers_of(install_dir)
        previous = read(install_dir + '/.lab/version', '').strip()
        print('Upgrading %s %s in %s to %s; the saved fault-tolerance settings are kept.' % (
            COMPONENT_TITLES[kind], previous, install_dir, version))
        stop_for_upgrade(kind, install_dir, version, entry)
    else:
        # Values are kept exactly as Properties.load gives them (a password may end in a space).
        saved = dict({key: props[key] for key in COMPONENT_KEYS[kind]}, USER_INSTALL_DIR=install_dir)
        print('Installing %s %s in %s...' % (COMPONENT_TITLES[kind], version, install_dir))
    write_component_files(kind, install_dir, version)
    if fails_midway(kind):
        # Half the files are in place (the version too), nothing else is: no answers, no registry, no service.
        return failed(entry, ['the installation stopped midway (lab knob fail-install-midway)'])
    # The product keeps its database credentials in its own configuration, readable by root only.
    write_json(install_dir + '/.lab/answers.json', saved, 0o600)
    write_json('%s/%s.json' % (COMPONENTS, kind), {'dir': install_dir, 'version': version})
    problems = start_component(kind, install_dir)
    for problem in problems:
        err('Warning: ' + problem)
    log_install(dict(entry, result='upgraded' if upgrade else 'installed', warnings=problems))
    print('Installation complete.')
    return 0
