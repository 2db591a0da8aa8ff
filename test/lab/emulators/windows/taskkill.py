#!/usr/bin/python3
"""
The lab's taskkill.exe: `taskkill /T /F /PID <n>` ends the process and every process it started
(by parent pid, from /proc), printing Windows' lines, as Microsoft's Windows Commands reference
documents taskkill. Anything else is refused.
"""
import os
import signal
import sys


def parent_of(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rindex(')') + 2:].split(' ')[1])


def main(argv):
    words = [a.upper() for a in argv]
    if sorted(w for w in words if w in ('/T', '/F')) != ['/F', '/T'] or '/PID' not in words:
        sys.stderr.write('ERROR: the lab taskkill knows only /T /F /PID <n>; got %s\r\n' % ' '.join(argv))
        return 1
    try:
        root = int(argv[words.index('/PID') + 1])
    except (IndexError, ValueError):
        sys.stderr.write('ERROR: Invalid syntax. Value expected for \'/PID\'.\r\n')
        return 1
    if parent_of(root) is None:
        sys.stderr.write('ERROR: The process "%d" not found.\r\n' % root)
        return 128
    parents = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            ppid = parent_of(int(name))
            if ppid is not None:
                parents[int(name)] = ppid
    tree, frontier = [root], [root]
    while frontier:
        children = [p for p, pp in parents.items() if pp in frontier and p not in tree]
        tree += children
        frontier = children
    # Every process of the tree is stopped before any is killed: none sees another die and acts on
    # it (a shell running the next command once its child is gone), as none does on Windows.
    for pid in tree:
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
    # Children first, as taskkill /T reports them.
    for pid in reversed(tree):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        sys.stdout.write('SUCCESS: The process with PID %d (child process of PID %d) has been terminated.\r\n'
                         % (pid, parents.get(pid, 0)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
