"""
The network between servers and clients: the lab's NFS fabric, /lab/nfs/<server address>/ (one
mount that every host shares). A server publishes there what a real NFS server would offer, and
nothing else: its applied export table (etab), the versions nfsd serves, and each exported directory
bind-mounted under root/<export path>. A client finds a server by name or address (the host's
resolver, so DNS and /etc/hosts both work) and mounts from that publication. No host ever reads
another host's files.
"""
import json
import os
import re
import socket

import labemu

from . import exports, host, text

IFF_UP = 0x1
IFF_RUNNING = 0x40


def interface_addresses():
    """(interface, address, netmask) of each IPv4 address of the interfaces up and running, in the kernel's order."""
    import ctypes

    class Sockaddr(ctypes.Structure):
        # sockaddr_in: the family, the port, the address.
        _fields_ = [('family', ctypes.c_ushort), ('port', ctypes.c_ubyte * 2), ('addr', ctypes.c_ubyte * 4)]

    class Ifaddrs(ctypes.Structure):
        pass

    Ifaddrs._fields_ = [
        ('next', ctypes.POINTER(Ifaddrs)),
        ('name', ctypes.c_char_p),
        ('flags', ctypes.c_uint),
        ('addr', ctypes.POINTER(Sockaddr)),
        ('netmask', ctypes.POINTER(Sockaddr)),
        ('broadaddr', ctypes.c_void_p),
        ('data', ctypes.c_void_p),
    ]
    libc = ctypes.CDLL(None)
    libc.getifaddrs.argtypes = [ctypes.POINTER(ctypes.POINTER(Ifaddrs))]
    libc.freeifaddrs.argtypes = [ctypes.POINTER(Ifaddrs)]
    head = ctypes.POINTER(Ifaddrs)()
    if libc.getifaddrs(ctypes.byref(head)) != 0:
        return []
    found = []
    try:
        node = head
        while node:
            entry = node.contents
            up = entry.flags & IFF_UP and entry.flags & IFF_RUNNING
            if up and entry.addr and entry.addr.contents.family == socket.AF_INET:
                netmask = socket.inet_ntoa(bytes(entry.netmask.contents.addr)) if entry.netmask else ''
                address = socket.inet_ntoa(bytes(entry.addr.contents.addr))
                found.append((entry.name.decode('utf-8', 'replace'), address, netmask))
            node = entry.next
    finally:
        libc.freeifaddrs(head)
    return found


def primary_address(addresses):
    """eth0's /24 address, not a virtual IP added beside it; loopback on a host without one."""
    return next((a for name, a, mask in addresses if name == 'eth0' and mask == '255.255.255.0'), '127.0.0.1')


def own_address():
    """The host's own address on the lab network."""
    return primary_address(interface_addresses())


def resolve_server(server):
    """The server's IPv4 address by the host's resolver, and its publication (None when it publishes none)."""
    address = server if re.fullmatch('[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+', server) else None
    if not address:
        status, stdout, _ = host.run(['getent', 'ahostsv4', server])
        address = text.split_spaces(stdout)[0] if status == 0 else None
    if not address:
        return None
    published = '%s/%s' % (host.FABRIC, address)
    return address, published if os.path.exists(published + '/etab') else None


def publish():
    """Offers exactly the applied exports on the fabric: the etab, nfsd's versions, each exported directory."""
    base = '%s/%s' % (host.FABRIC, own_address())
    table = exports.read_etab(host.ETAB)
    host.write(base + '/etab', labemu.read(host.ETAB, ''))
    host.write(base + '/nfsd-versions', labemu.read(host.NFSD_VERSIONS, host.ALL_VERSIONS + '\n'))
    wanted = list(dict.fromkeys(e.path for e in table))
    before = labemu.read_json(host.PUBLISHED, [])
    for path in before:
        if path not in wanted:
            host.run(['/usr/bin/umount', '-l', '%s/root%s' % (base, path)])
    for path in wanted:
        if path not in before:
            os.makedirs('%s/root%s' % (base, path), exist_ok=True)
            status, _, stderr = host.run(['/usr/bin/mount', '--bind', path, '%s/root%s' % (base, path)])
            if status != 0:
                host.fail('exportfs: could not export %s: %s' % (path, text.trim(stderr)), 1)
    host.write(host.PUBLISHED, json.dumps(wanted, ensure_ascii=False, separators=(',', ':')))
