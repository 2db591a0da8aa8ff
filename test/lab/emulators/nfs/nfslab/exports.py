"""
A server's exports as exports(5) and nfs-utils have them: an export's option flags, the exports
files (/etc/exports, /etc/exports.d/*.exports) with the errors exportfs reports about them, the
applied table (/var/lib/nfs/etab) and the ways `exportfs` prints it, and which clients an export
admits.
"""
import dataclasses
import os
import re

import labemu

from . import text


@dataclasses.dataclass
class Flags:
    """An export's options; the defaults are exports(5)'s."""
    ro: bool = True
    async_: bool = False
    wdelay: bool = True
    nohide: bool = False
    crossmnt: bool = False
    no_subtree_check: bool = True
    insecure: bool = False
    root_squash: bool = True
    all_squash: bool = False
    insecure_locks: bool = False
    fsid: str = None
    anonuid: int = 65534
    anongid: int = 65534
    sec: list = dataclasses.field(default_factory=lambda: ['sys'])


@dataclasses.dataclass
class Export:
    path: str
    client: str
    flags: Flags


# Each keyword without a value: the flag it sets and to what, or None for one accepted and ignored.
KEYWORDS = {
    'ro': ('ro', True),
    'rw': ('ro', False),
    'sync': ('async_', False),
    'async': ('async_', True),
    'wdelay': ('wdelay', True),
    'no_wdelay': ('wdelay', False),
    'hide': ('nohide', False),
    'nohide': ('nohide', True),
    'crossmnt': ('crossmnt', True),
    'nocrossmnt': ('crossmnt', False),
    'subtree_check': ('no_subtree_check', False),
    'no_subtree_check': ('no_subtree_check', True),
    'secure': ('insecure', False),
    'insecure': ('insecure', True),
    'root_squash': ('root_squash', True),
    'no_root_squash': ('root_squash', False),
    'all_squash': ('all_squash', True),
    'no_all_squash': ('all_squash', False),
    'secure_locks': ('insecure_locks', False),
    'auth_nlm': ('insecure_locks', False),
    'insecure_locks': ('insecure_locks', True),
    'no_auth_nlm': ('insecure_locks', True),
    'acl': None,
    'no_acl': None,
    'pnfs': None,
    'no_pnfs': None,
    'nordirplus': None,
    'security_label': None,
}


def apply_option(flags, option):
    """Applies one option to the flags; returns an error message for an unknown keyword."""
    name, equals, value = option.partition('=')
    if not equals and name in KEYWORDS:
        if KEYWORDS[name]:
            setattr(flags, *KEYWORDS[name])
        return None
    if name == 'fsid' and value:
        flags.fsid = value
        return None
    if name in ('anonuid', 'anongid') and re.fullmatch('[0-9]+', value):
        setattr(flags, name, int(value))
        return None
    if name == 'sec' and value:
        flags.sec = value.split(':')
        return None
    return 'unknown keyword "%s"' % option


def verbose_options(f):
    """`exportfs -v`: the modern nfs-utils order, security flavour flags last."""
    o = ['async' if f.async_ else 'sync', 'wdelay' if f.wdelay else 'no_wdelay', 'nohide' if f.nohide else 'hide']
    if f.crossmnt:
        o.append('crossmnt')
    if f.no_subtree_check:
        o.append('no_subtree_check')
    if f.insecure_locks:
        o.append('insecure_locks')
    if f.fsid is not None:
        o.append('fsid=' + f.fsid)
    if f.anonuid != 65534:
        o.append('anonuid=%d' % f.anonuid)
    if f.anongid != 65534:
        o.append('anongid=%d' % f.anongid)
    o += [
        'sec=' + ':'.join(f.sec),
        'ro' if f.ro else 'rw',
        'insecure' if f.insecure else 'secure',
        'root_squash' if f.root_squash else 'no_root_squash',
        'all_squash' if f.all_squash else 'no_all_squash',
    ]
    return ','.join(o)


def etab_options(f):
    """An etab line's options: every flag spelled out, as nfs-utils writes /var/lib/nfs/etab."""
    o = [
        'ro' if f.ro else 'rw',
        'async' if f.async_ else 'sync',
        'wdelay' if f.wdelay else 'no_wdelay',
        'nohide' if f.nohide else 'hide',
        'crossmnt' if f.crossmnt else 'nocrossmnt',
        'insecure' if f.insecure else 'secure',
        'root_squash' if f.root_squash else 'no_root_squash',
        'all_squash' if f.all_squash else 'no_all_squash',
        'no_subtree_check' if f.no_subtree_check else 'subtree_check',
        'insecure_locks' if f.insecure_locks else 'secure_locks',
        'acl',
        'no_pnfs',
    ]
    if f.fsid is not None:
        o.append('fsid=' + f.fsid)
    o += ['anonuid=%d' % f.anonuid, 'anongid=%d' % f.anongid, 'sec=' + ':'.join(f.sec)]
    return ','.join(o)


def unescape_path(path):
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), path)


def escape_path(path):
    return re.sub('%s|\\\\' % text.SPACE, lambda m: '\\%03o' % ord(m.group()), path)


_COMMENT = re.compile('#' + text.DOT + '*\\Z')
_QUOTED = re.compile('"([^"]*)"' + text.SPACE + '*(' + text.DOT + '*)')
_CLIENT = re.compile('([^()]*)(?:\\((' + text.DOT + '*)\\))?')


def parse_exports_file(file, content, errors):
    """The entries of an exports file, one per client; errors are added as exportfs prints them."""
    logical = []
    pending = None
    for i, raw in enumerate(content.split('\n')):
        line = (pending[0] if pending else '') + raw
        start = pending[1] if pending else i + 1
        # A backslash at the end continues the line; errors name the line it started on.
        if line.endswith('\\'):
            pending = (line[:-1] + ' ', start)
            continue
        pending = None
        logical.append((line, start))
    entries = []
    for line, number in logical:
        body = text.trim(_COMMENT.sub('', line, count=1))
        if body == '':
            continue
        quoted = _QUOTED.fullmatch(body)
        if quoted:
            path, rest = quoted.group(1), quoted.group(2)
        else:
            words = text.split_spaces(body)
            path, rest = unescape_path(words[0]), ' '.join(words[1:])
        defaults = []
        clients = []
        for token in text.split_spaces(rest):
            if token.startswith('-'):
                defaults += token[1:].split(',')
            elif token:
                clients.append(token)
        if not clients:
            options = ','.join(defaults) or 'ro,sync,no_subtree_check'
            errors.append(
                'exportfs: No host name given with %s (%s), suggest *(%s) to avoid warning' % (path, options, options)
            )
            clients.append('*')
        for spec in clients:
            m = _CLIENT.fullmatch(spec)
            if not m:
                errors.append('exportfs: %s:%d: syntax error: bad option list' % (file, number))
                continue
            flags = Flags()
            options = defaults + [o for o in (m.group(2) or '').split(',') if o]
            problems = [p for p in (apply_option(flags, o) for o in options) if p]
            if problems:
                errors.append('exportfs: %s:%d: %s' % (file, number, problems[0]))
                continue
            entries.append(Export(path, m.group(1) or '*', flags))
    return entries


def read_exports_files(errors):
    """/etc/exports, then /etc/exports.d/*.exports in name order."""
    try:
        names = os.listdir('/etc/exports.d')
    except OSError:
        names = []
    names = sorted((n for n in names if n.endswith('.exports') and not n.startswith('.')), key=text.sort_key)
    entries = []
    for file in ['/etc/exports'] + ['/etc/exports.d/' + n for n in names]:
        content = labemu.read(file)
        if content is not None:
            entries += parse_exports_file(file, content, errors)
    return entries


_ETAB_SPEC = re.compile('([^()]*)\\((' + text.DOT + '*)\\)')


def parse_etab(content):
    """The applied table, from an etab written by this emulator (or by nfs-utils)."""
    entries = []
    for line in content.split('\n'):
        if not line:
            continue
        fields = line.split('\t')
        spec = fields[1] if len(fields) > 1 else None
        m = _ETAB_SPEC.fullmatch(spec or '')
        flags = Flags()
        if m:
            for option in m.group(2).split(','):
                apply_option(flags, option)
        if spec is None:
            # exportfs writes every etab line as path<TAB>client(options): any other line is not one.
            continue
        client = m.group(1) if m else spec
        entries.append(Export(unescape_path(fields[0]), client, flags))
    return entries


def read_etab(path):
    return parse_etab(labemu.read(path, ''))


def render_etab(entries):
    return ''.join('%s\t%s(%s)\n' % (escape_path(e.path), e.client, etab_options(e.flags)) for e in entries)


def listing(entries, verbose):
    """`exportfs` and `exportfs -v`: a path longer than 14 characters puts the client on the next line."""
    lines = []
    for e in entries:
        host = '<world>' if e.client == '*' else e.client
        if text.length(e.path) > 14:
            head = '%s\n\t\t%s' % (e.path, host)
        else:
            head = '%s\t%s' % (text.pad_end(e.path, 14), host)
        lines.append('%s(%s)\n' % (head, verbose_options(e.flags)) if verbose else head + '\n')
    return ''.join(lines)


def export_format(entries):
    """`exportfs -s`: the table as exports lines."""
    return ''.join('%s %s(%s)\n' % (escape_path(e.path), e.client, verbose_options(e.flags)) for e in entries)


# ---------------------------------------------------------------- which clients an export admits

_IPV4 = re.compile('[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+')
_CIDR = re.compile('([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)/([0-9]+)')


def ipv4_to_int(ip):
    n = 0
    for octet in ip.split('.'):
        n = n * 256 + int(octet)
    return n


def client_matches(spec, address, name):
    """exports(5) client forms: *, a host name, an address, a CIDR network, a name with wildcards."""
    if spec in ('*', address, name):
        return True
    cidr = _CIDR.fullmatch(spec)
    if cidr and _IPV4.fullmatch(address):
        # A prefix over 32 wraps around as a 32-bit shift does (/33 is /1).
        bits = int(cidr.group(2))
        mask = 0 if bits == 0 else (0xFFFFFFFF << ((32 - bits) % 32)) & 0xFFFFFFFF
        return ipv4_to_int(cidr.group(1)) & mask == ipv4_to_int(address) & mask
    if re.search('[*?]', spec):
        pattern = re.sub(r'[.+^${}()|\\]', lambda m: '\\' + m.group(), spec)
        pattern = pattern.replace('*', text.DOT + '*').replace('?', text.DOT)
        return re.fullmatch(pattern, name) is not None
    return False


def find_export(entries, path, address, name):
    """The export a client mounting `path` comes under: the first that covers the path and admits the client."""
    for e in entries:
        parent = e.path[:-1] if e.path.endswith('/') else e.path
        if (path == e.path or path.startswith(parent + '/')) and client_matches(e.client, address, name):
            return e
    return None
