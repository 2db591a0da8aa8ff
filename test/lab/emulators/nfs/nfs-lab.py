#!/usr/bin/python3
"""
A lab host's NFS commands: installed as /lab/bin/exportfs, systemctl, mount, umount and findmnt, it
acts on the name it was called by. The emulation itself is the nfslab package (nfslab/__init__.py),
installed in /lab/lib/python beside the shared helpers.
"""
import os
import sys

sys.path.insert(0, '/lab/lib/python')
from nfslab import client, findmnt, host, server  # noqa: E402  (installed beside the shared helpers)

COMMANDS = {
    'exportfs': server.exportfs,
    'systemctl': server.systemctl,
    'mount': client.mount,
    'umount': client.umount,
    'findmnt': findmnt.findmnt,
}


def main(argv):
    command = os.path.basename(argv[0])
    if command not in COMMANDS:
        host.fail('nfs-lab: unknown command name %s' % command, 2)
    return COMMANDS[command](argv[1:]) or 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
