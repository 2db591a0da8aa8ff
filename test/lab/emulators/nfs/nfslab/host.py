"""
The host's NFS files, and what every NFS command does on its host: print, stop with a message, run
a program, hand a command line that is not about NFS to the real command.
"""
import os
import subprocess
import sys

import labemu

ETAB = '/var/lib/nfs/etab'
STATE_DIR = '/var/lib/lab-nfs'
MOUNTS = STATE_DIR + '/mounts.json'
NFSD_VERSIONS = STATE_DIR + '/nfsd-versions'
PUBLISHED = STATE_DIR + '/published.json'
SERVER_LOG = STATE_DIR + '/nfs-server.log'
FABRIC = '/lab/nfs'
ALL_VERSIONS = '+3 +4 +4.1 +4.2'


def out(text):
    # Flushed at once: lines keep their order with stderr's when both go to one place.
    sys.stdout.write(text)
    sys.stdout.flush()


def fail(message, code):
    labemu.err(message)
    sys.exit(code)


def write(path, content):
    """Replaces a file whole; it is created as any program creates a file, 0666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    labemu.write_atomically(path, content, 0o666 & ~umask)


def run(argv):
    """Runs a program with no input; its exit status (None when it could not start), stdout and stderr."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, encoding='utf-8', errors='replace')
    except OSError:
        return None, '', ''
    return r.returncode, r.stdout, r.stderr


def pass_through(command, args):
    """The real command, with the same arguments, in place of this process."""
    real = next((p for p in ('/usr/bin/', '/usr/sbin/', '/bin/') if os.path.exists(p + command)), None)
    if real is None:
        fail('%s: command not found' % command, 127)
    sys.stdout.flush()
    try:
        os.execv(real + command, [real + command] + args)
    except OSError:
        sys.exit(1)
