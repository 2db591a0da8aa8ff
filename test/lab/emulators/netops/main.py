"""
The entry of the NetOps lab emulator: the thin executable installed as /lab/bin/netops-lab,
/lab/bin/service and /lab/bin/vsql calls main(), which acts on the name it was called by:

  service      `service <name> start|stop|restart|status` for dadaemon, activemq, consul and dcmd
               when this host has the component that owns the name; any other name goes to the
               real /usr/sbin/service (service.py).
  vsql         `vsql -h HOST -p PORT -U USER [-w PASSWORD] -c SQL` against the emulated data
               repository listener (repository.py).
  netops-lab   everything else, by its first argument:
                 install COMPONENT VERSION PROGRAM ARGS...   the InstallAnywhere installer (the .bin
                                                             wrapper written by setup.ts calls this)
                 dadaemon INSTALL_DIR VERB                   <install dir>/scripts/dadaemon
                 service NAME VERB                           as `service` (<install dir>/bin/dcmd)
                 repository start|stop|status                the data repository listener
                 lab-state NAME                              a daemon's state as JSON (for tests)
                 parse-properties FILE                       a response file as JSON (for tests)
                 run NAME ARGS...                            a daemon's own process (internal)

The daemons `run` starts (each detached with setsid by state.spawn, so it belongs to the host):
  dadaemon    the DA process, or the standby's watcher (dadaemon.py)
  activemq    the broker (activemq.py)
  consul      the Consul server on the proxy, the agent on a DA host (consul.py)
  dcmd        the data collector; dcmd-icmp its ICMP process (dcmd.py)
  repository  the data repository listener (repository.py)
"""
import json
import os
import sys

from labemu import err

from .activemq import run_activemq
from .consul import run_consul
from .dadaemon import dadaemon, run_dadaemon
from .dcmd import run_dcmd, run_dcmd_icmp
from .installer import install
from .properties import parse_properties
from .repository import repository, run_repository, vsql
from .service import service
from .state import daemon_state

DAEMONS = {
    'dadaemon': run_dadaemon,
    'activemq': run_activemq,
    'consul': run_consul,
    'dcmd': run_dcmd,
    'dcmd-icmp': run_dcmd_icmp,
    'repository': run_repository,
}


def main():
    name = os.path.basename(sys.argv[0])
    argv = sys.argv[1:]
    if name == 'service':
        return service(argv)
    if name == 'vsql':
        return vsql(argv)
    command, rest = (argv[0], argv[1:]) if argv else ('', [])
    if command == 'install':
        return install(rest)
    if command == 'dadaemon' and rest:
        return dadaemon(rest)
    if command == 'service':
        return service(rest)
    if command == 'repository':
        return repository(rest)
    if command == 'lab-state' and len(rest) == 1:
        print(json.dumps(daemon_state(rest[0]), sort_keys=True))
        return 0
    if command == 'parse-properties' and len(rest) == 1:
        with open(rest[0], 'rb') as f:
            print(json.dumps(parse_properties(f.read()), sort_keys=True))
        return 0
    if command == 'run' and rest and rest[0] in DAEMONS:
        return DAEMONS[rest[0]](rest[1:])
    err('netops-lab: unknown command %s' % ' '.join(argv))
    return 2
