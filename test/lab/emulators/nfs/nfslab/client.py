"""
The client's commands. `mount -t nfs4 -o OPTS SERVER:/PATH TARGET`: the server must export PATH to
this host (in the etab it published); the published export directory is then bind-mounted at
TARGET, so files and locks are really shared between the clients, and the NFS mount is recorded
(/var/lib/lab-nfs/mounts.json) with the options the kernel would list. `umount` unmounts an emulated
NFS mount and forgets it. Any other mount or umount goes to the real command.
"""
import dataclasses
import json
import os
import re
import socket
import stat

import labemu

from . import exports, fabric, host, text


# ---------------------------------------------------------------- the emulated mounts


def mounted_targets():
    lines = labemu.read('/proc/self/mountinfo', '').split('\n')
    return {exports.unescape_path(line.split(' ')[4]) for line in lines if line}


def read_mounts():
    """The emulated NFS mounts still in place (an entry whose bind mount is gone is forgotten)."""
    entries = labemu.read_json(host.MOUNTS, [])
    if not isinstance(entries, list):
        return []
    live = mounted_targets()
    return [m for m in entries if isinstance(m, dict) and isinstance(m.get('target'), str) and m['target'] in live]


def render_mounts(entries):
    # Each entry's keys in the order they were recorded: target, source, fstype, options.
    return json.dumps(entries, indent=2, ensure_ascii=False) + '\n'


def write_mounts(entries):
    host.write(host.MOUNTS, render_mounts(entries))


# ---------------------------------------------------------------- mount's command line and options


@dataclasses.dataclass
class MountArgs:
    type: str = None
    options: list = dataclasses.field(default_factory=list)
    positional: list = dataclasses.field(default_factory=list)
    verbose: bool = False
    # An option this emulation does not read (--bind, -a, ...): such a mount goes to the real command.
    other: bool = False


def parse_mount_args(argv):
    out = MountArgs()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ('-t', '--types'):
            i += 1
            out.type = argv[i] if i < len(argv) else None
        elif a.startswith('-t') and len(a) > 2:
            out.type = a[2:]
        elif a in ('-o', '--options'):
            i += 1
            if i >= len(argv):
                host.fail("mount: option requires an argument -- 'o'", 1)
            out.options += [o for o in argv[i].split(',') if o]
        elif a.startswith('-o') and len(a) > 2:
            out.options += [o for o in a[2:].split(',') if o]
        elif a in ('-v', '--verbose'):
            out.verbose = True
        elif a == '--':
            out.positional += argv[i + 1:]
            break
        elif a.startswith('-'):
            out.other = True
        else:
            out.positional.append(a)
        i += 1
    return out


_VERS = re.compile('(vers|nfsvers)=(%s+)' % text.DOT)


def requested_version(options, fstype):
    """The NFS version a mount asks for ("4" is the newest 4.x), or None when mount.nfs refuses it."""
    asked = [o for o in options if _VERS.fullmatch(o)]
    version = _VERS.fullmatch(asked[-1]).group(2) if asked else '4.2'
    if version == '4':
        version = '4.2'
    if not re.fullmatch('2|3|4\\.[012]', version):
        return None
    if fstype == 'nfs4' and not version.startswith('4'):
        return None
    return version


def kernel_options(requested, version, client_address, server_address, read_only):
    """The options the kernel lists for an NFS mount, in its order (fs/nfs/super.c)."""

    def has(o):
        return o in requested

    def value(name, fallback=None):
        found = [o for o in requested if o.startswith(name + '=')]
        return found[-1][len(name) + 1:] if found else fallback

    o = ['ro' if read_only else 'rw']
    if has('sync'):
        o.append('sync')
    o += [f for f in ('nosuid', 'nodev', 'noexec') if has(f)]
    if has('noatime'):
        o.append('noatime')
    elif not has('strictatime'):
        o.append('relatime')
    if has('nodiratime'):
        o.append('nodiratime')
    o += ['vers=' + version, 'rsize=' + value('rsize', '1048576'), 'wsize=' + value('wsize', '1048576'), 'namlen=255']
    o += ['%s=%s' % (a, value(a)) for a in ('acregmin', 'acregmax', 'acdirmin', 'acdirmax') if value(a)]
    if not (has('soft') or has('softerr')):
        o.append('hard')
    o += [f for f in ('soft', 'softerr') if has(f)]
    o += [f for f in ('nocto', 'noac', 'nolock', 'noacl', 'nordirplus', 'nosharecache', 'noresvport') if has(f)]
    o.append('proto=' + ('udp' if has('udp') else value('proto', 'tcp')))
    o += ['%s=%s' % (a, value(a)) for a in ('nconnect', 'port') if value(a)]
    o += ['timeo=' + value('timeo', '600'), 'retrans=' + value('retrans', '2'), 'sec=' + value('sec', 'sys')]
    if version.startswith('4'):
        o.append('clientaddr=' + value('clientaddr', client_address))
    if value('lookupcache'):
        o.append('lookupcache=' + value('lookupcache'))
    o += ['local_lock=' + ('all' if has('nolock') else value('local_lock', 'none')), 'addr=' + server_address]
    return ','.join(o)


_SOURCE = re.compile('(\\[[^\\]]+\\]|[^:]+):(/%s*)' % text.DOT)


def split_source(source):
    """SERVER:/PATH (an IPv6 server in brackets) as (server, path), or None."""
    m = _SOURCE.fullmatch(source)
    if not m:
        return None
    bracketed = re.fullmatch('\\[(%s*)\\]' % text.DOT, m.group(1))
    return (bracketed.group(1) if bracketed else m.group(1)), m.group(2)


# ---------------------------------------------------------------- the commands


def mount_nfs(parsed):
    helper = 'mount.nfs' if parsed.type == 'nfs' else 'mount.nfs4'
    source = parsed.positional[0] if parsed.positional else None
    target = parsed.positional[1] if len(parsed.positional) > 1 else None
    if not source or not target:
        host.fail('%s: both a source (server:/path) and a mount point are needed' % helper, 1)
    current = read_mounts()
    if 'remount' in parsed.options:
        # NFS applies almost no option change on a remount: the mount keeps what it had.
        if any(m['target'] == target for m in current):
            return 0
        host.fail('mount: %s: mount point not mounted or bad option.' % target, 32)
    parts = split_source(source)
    if not parts:
        host.fail("%s: remote share not in 'host:dir' format" % helper, 32)
    server_name, path = parts
    version = requested_version(parsed.options, parsed.type)
    if version is None:
        host.fail('%s: an incorrect mount option was specified' % helper, 32)
    server = fabric.resolve_server(server_name)
    if not server:
        host.fail('%s: Failed to resolve server %s: Name or service not known' % (helper, server_name), 32)
    server_address, published = server
    if not published:
        message = "mount to NFS server '%s' failed: RPC Error: Program not registered" % server_name
        host.fail('%s: %s' % (helper, message), 32)
    versions = text.split_spaces(text.trim(labemu.read(published + '/nfsd-versions', host.ALL_VERSIONS)))
    if '-' + version in versions or (version == '2' and '+2' not in versions):
        host.fail('%s: requested NFS version or transport protocol is not supported' % helper, 32)
    address, name = fabric.own_address(), socket.gethostname()
    export = exports.find_export(exports.read_etab(published + '/etab'), path, address, name)
    if not export:
        host.fail('%s: access denied by server while mounting %s' % (helper, source), 32)
    try:
        is_directory = stat.S_ISDIR(os.stat(target).st_mode)
    except (OSError, ValueError):
        host.fail('%s: mount point %s does not exist' % (helper, target), 32)
    if not is_directory:
        host.fail('%s: mount point %s is not a directory' % (helper, target), 32)
    if any(m['target'] == target and m.get('source') == source for m in current):
        host.fail('%s: %s is busy or already mounted on %s' % (helper, source, target), 32)
    read_only = export.flags.ro or 'ro' in parsed.options

    def real_mount(argv):
        status, _, stderr = host.run(['/usr/bin/mount'] + argv)
        if status != 0:
            host.fail('%s: %s' % (helper, text.trim(stderr) or 'mount %s failed' % ' '.join(argv)), 32)

    real_mount(['--bind', '%s/root%s' % (published, path), target])
    real_mount(['--make-private', target])
    if read_only:
        real_mount(['-o', 'remount,bind,ro', target])
    options = kernel_options(parsed.options, version, address, server_address, read_only)
    fstype = 'nfs4' if version.startswith('4') else 'nfs'
    write_mounts(current + [{'target': target, 'source': source, 'fstype': fstype, 'options': options}])
    if parsed.verbose:
        host.out("%s: trying text-based options '%s'\n" % (helper, ','.join(parsed.options)))
    return 0


def mount(args):
    parsed = parse_mount_args(args)
    source = parsed.positional[0] if parsed.positional else None
    nfs_type = parsed.type in ('nfs', 'nfs4')
    looks_remote = (
        not parsed.type and source and split_source(source) and len(parsed.positional) == 2 and not parsed.other
    )
    if nfs_type or looks_remote:
        return mount_nfs(parsed)
    host.pass_through('mount', args)


def umount(args):
    targets = [a for a in args if not a.startswith('-')]
    entry = next((m for m in read_mounts() if m['target'] in targets or m.get('source') in targets), None)
    if entry is None:
        host.pass_through('umount', args)
    flags = [a for a in args if a.startswith('-')]
    status, _, stderr = host.run(['/usr/bin/umount'] + flags + [entry['target']])
    if status != 0:
        if 'busy' in stderr:
            host.fail('umount.nfs4: %s: device is busy' % entry['target'], 16)
        host.fail('umount.nfs4: %s' % text.trim(stderr), 32)
    write_mounts([m for m in read_mounts() if m['target'] != entry['target']])
    return 0
