"""
`service NAME start|stop|restart|status` for the programs of the components this host has:
dadaemon and activemq with the aggregator, dcmd with the collector, consul with the proxy (the
server) or the aggregator (the agent). Any other name goes to the real /usr/sbin/service.
"""
import os

from labemu import err

from .activemq import service_activemq
from .consul import service_consul
from .dadaemon import dadaemon
from .dcmd import service_dcmd
from .state import component


def service(argv):
    verbs = ('start', 'stop', 'restart', 'status')
    name = argv[0] if argv else ''
    aggregator, collector, proxy = component('aggregator'), component('collector'), component('proxy')
    owners = {'dadaemon': aggregator, 'activemq': aggregator, 'dcmd': collector, 'consul': proxy or aggregator}
    if not owners.get(name):
        real = '/usr/sbin/service'
        if os.path.exists(real):
            os.execv(real, [real] + argv)
        err('%s: unrecognized service' % name)
        return 1
    entry = owners[name]
    verb = argv[1] if len(argv) == 2 else ''
    if name == 'dadaemon':
        return dadaemon([entry['dir']] + argv[1:])
    if verb not in verbs:
        err('Usage: service %s {%s}' % (name, '|'.join(verbs)))
        return 2
    if name == 'dcmd':
        return service_dcmd(verb, entry)
    if name == 'activemq':
        return service_activemq(verb, entry)
    return service_consul(verb, entry, 'server' if proxy else 'agent')

