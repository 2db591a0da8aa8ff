"""
`findmnt` on a client: emulated NFS mounts answer as real ones would (fstype nfs4, the kernel's
options), looked up by mount point (-M), by a path below one (-T) or by type (-t nfs,nfs4); in
columns (-o, -n) or as JSON (-J). Any other question goes to the real findmnt.
"""
import json

from . import client, host, text

COLUMNS = ['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS']


class Query:
    def __init__(self):
        self.json = False
        self.no_headings = False
        self.columns = COLUMNS
        self.mountpoint = None
        self.target = None
        self.types = None


def parse_args(args):
    """The question asked, or None for a command line this emulation does not answer."""
    q = Query()
    i = 0
    while i < len(args):
        a = args[i]
        if a in ('-J', '--json'):
            q.json = True
        elif a in ('-n', '--noheadings'):
            q.no_headings = True
        elif a in ('-o', '--output'):
            i += 1
            q.columns = [c.upper() for c in args[i].split(',')]
        elif a.startswith('--output='):
            q.columns = [c.upper() for c in a[len('--output='):].split(',')]
        elif a in ('-M', '--mountpoint'):
            i += 1
            q.mountpoint = args[i] if i < len(args) else None
        elif a.startswith('--mountpoint='):
            q.mountpoint = a[len('--mountpoint='):]
        elif a in ('-T', '--target'):
            i += 1
            q.target = args[i] if i < len(args) else None
        elif a in ('-t', '--types'):
            i += 1
            q.types = args[i].split(',')
        else:
            return None
        i += 1
    return q


def select(q, mounts):
    """The emulated mounts that answer the question, or None when the real mount table answers it."""
    if q.mountpoint is not None:
        normalized = q.mountpoint.rstrip('/') if len(q.mountpoint) > 1 else q.mountpoint
        found = [m for m in mounts if m['target'] == normalized]
        # Something mounted on top of the emulated share (or nothing emulated here): the real table answers.
        if not found:
            return None
    elif q.target is not None:
        below = [m for m in mounts if q.target == m['target'] or q.target.startswith(m['target'] + '/')]
        if not below:
            return None
        found = [max(below, key=lambda m: text.length(m['target']))]
    elif q.types and all(t in ('nfs', 'nfs4') for t in q.types):
        found = mounts
    else:
        return None
    if q.types:
        found = [m for m in found if m.get('fstype') in q.types]
    return found


def render(q, found):
    def row(m):
        values = {c: m.get(c.lower()) for c in COLUMNS}
        return [values.get(c) if values.get(c) is not None else '' for c in q.columns]

    if q.json:
        filesystems = [dict(zip([c.lower() for c in q.columns], row(m))) for m in found]
        return json.dumps({'filesystems': filesystems}, indent=3, ensure_ascii=False) + '\n'
    rows = ([] if q.no_headings else [q.columns]) + [row(m) for m in found]
    widths = [max(text.length(r[i]) for r in rows) for i in range(len(q.columns))]
    # Every column is padded to its widest value, but the last.
    return ''.join(' '.join([text.pad_end(v, w) for v, w in zip(r[:-1], widths)] + r[-1:]) + '\n' for r in rows)


def findmnt(args):
    q = parse_args(args)
    found = select(q, client.read_mounts()) if q else None
    if found is None:
        host.pass_through('findmnt', args)
    if not found:
        return 1
    host.out(render(q, found))
    return 0
