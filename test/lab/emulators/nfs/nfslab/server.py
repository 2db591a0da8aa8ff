"""
The server's commands: `exportfs` (applies the exports files to /var/lib/nfs/etab, as nfs-utils
does, prints the table, unexports) and `systemctl` for nfs-server (a restart takes /etc/nfs.conf's
[nfsd] versions into effect). Both publish the result on the NFS fabric.
"""
import os
import re
import stat

import labemu

from . import exports, fabric, host, text


def write_etab(entries):
    host.write(host.ETAB, exports.render_etab(entries))
    fabric.publish()


def _key(e):
    return '%s:%s' % (e.client, e.path)


def exportfs(args):
    all_ = reexport = unexport = verbose = export_format = False
    rest = []
    for a in args:
        if re.fullmatch('-[arufvis]+', a):
            all_ = all_ or 'a' in a
            reexport = reexport or 'r' in a
            unexport = unexport or 'u' in a
            verbose = verbose or 'v' in a
            export_format = export_format or 's' in a
        else:
            rest.append(a)
    if rest:
        host.fail(
            'exportfs (lab): exporting single client:/path pairs is not emulated;'
            ' edit /etc/exports.d and run exportfs -ra',
            2,
        )
    if not (all_ or reexport or unexport):
        table = exports.read_etab(host.ETAB)
        host.out(exports.export_format(table) if export_format else exports.listing(table, verbose))
        return 0
    if unexport and all_:
        if verbose:
            host.out(''.join('unexporting %s:%s\n' % (e.client, e.path) for e in exports.read_etab(host.ETAB)))
        write_etab([])
        return 0
    errors = []
    wanted = []
    for e in exports.read_exports_files(errors):
        try:
            is_directory = stat.S_ISDIR(os.stat(e.path).st_mode)
        except (OSError, ValueError):
            errors.append('exportfs: Failed to stat %s: No such file or directory' % e.path)
            continue
        if is_directory:
            wanted.append(e)
        else:
            errors.append('exportfs: %s is not a directory' % e.path)
    keys = {_key(w) for w in wanted}
    table = wanted if reexport else [e for e in exports.read_etab(host.ETAB) if _key(e) not in keys] + wanted
    if verbose:
        host.out(''.join('exporting %s\n' % _key(e) for e in wanted))
    write_etab(table)
    for message in errors:
        labemu.err(message)
    return 1 if any('suggest' not in m for m in errors) else 0


def nfsd_versions(conf):
    """The versions nfsd serves under nfs.conf's [nfsd] versN= keys, as published: "-2 +3 +4 +4.1 +4.2"."""
    enabled = {'3': True, '4': True, '4.0': True, '4.1': True, '4.2': True}
    section = ''
    for raw in conf.split('\n'):
        line = text.trim(re.sub('#' + text.DOT + '*\\Z', '', raw, count=1))
        header = re.fullmatch('\\[([^\\]]+)\\]', line)
        if header:
            section = text.trim(header.group(1)).lower()
        kv = re.fullmatch('vers([0-9.]+)%s*=%s*(%s+)' % (text.SPACE, text.SPACE, text.NON_SPACE), line)
        if section == 'nfsd' and kv:
            enabled[kv.group(1)] = re.fullmatch('y|yes|true|on|1', kv.group(2), re.IGNORECASE | re.ASCII) is not None
    # NFSv2 is never served; 4.0 is not listed on its own.
    return ' '.join(('+' if n != '2' and enabled[n] else '-') + n for n in ('2', '3', '4', '4.1', '4.2'))


def systemctl(args):
    verb = args[0] if args else None
    unit = args[1] if len(args) > 1 else None
    if not re.fullmatch('nfs-(server|kernel-server)(\\.service)?', unit or ''):
        named = unit if unit is not None else 'a command without a unit'
        host.fail('systemctl (lab): only nfs-server is emulated on this host, not %s' % named, 5)
    if verb in ('restart', 'start', 'reload'):
        host.write(host.NFSD_VERSIONS, nfsd_versions(labemu.read('/etc/nfs.conf', '')) + '\n')
        fabric.publish()
        with open(host.SERVER_LOG, 'a', encoding='utf-8') as log:
            log.write('%s %s\n' % (labemu.now_iso(milliseconds=True), verb))
        return 0
    if verb == 'is-active':
        host.out('active\n')
        return 0
    host.fail('systemctl (lab): "%s" is not emulated' % verb, 1)
