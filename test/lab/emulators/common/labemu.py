"""
What every lab emulator needs, once: reading and writing its state files (whole, atomically), a
bounded wait, a process's singleton lock, and a TCP probe. Installed on each lab host beside the
emulators (/lab/lib/python, see installEmulator in lab.ts); an emulator imports it with

    sys.path.insert(0, '/lab/lib/python')
    import labemu
"""
import datetime
import fcntl
import json
import os
import socket
import sys
import threading
import time


def read(path, default=None):
    """A text file's content (UTF-8, a byte-order mark dropped), or `default` when it cannot be read."""
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8-sig', 'replace')
    except OSError:
        return default


def read_json(path, default=None):
    """A JSON file's value, or `default` when it is missing, empty or not JSON."""
    text = read(path)
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def write_atomically(path, data, mode=0o644):
    """Replaces the file in one rename, created with its final mode: a reader never sees half of it."""
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Unique per process and thread: two writers never share a temporary file.
    tmp = '%s.tmp-%d-%d' % (path, os.getpid(), threading.get_ident())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_json(path, value, mode=0o644):
    write_atomically(path, json.dumps(value, indent=2, sort_keys=True) + '\n', mode)


def now_iso(milliseconds=False):
    """The UTC time as ISO 8601 with a Z, to the second (or millisecond)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    text = now.isoformat(timespec='milliseconds' if milliseconds else 'seconds')
    return text.replace('+00:00', 'Z')


def err(message):
    sys.stderr.write(message + '\n')


def wait_until(predicate, timeout, step=0.05):
    """Polls until the predicate gives a true value or the timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except (OSError, TypeError):
        return False


def answers(address, port, timeout=0.5):
    """True when a TCP connection to the port is accepted."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


class SingletonLock:
    """
    A process that runs at most once per host holds an exclusive flock on its lock file for its whole
    life (so a dead one holds nothing), and writes its pid beside it.
    """

    def __init__(self, lock_file, pid_file):
        self.lock_file = lock_file
        self.pid_file = pid_file

    def held(self):
        """True while the process runs."""
        try:
            fd = os.open(self.lock_file, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def pid(self):
        """The running process's pid, or None."""
        if not self.held():
            return None
        text = read(self.pid_file, '')
        return int(text) if text.strip().isdigit() else None

    def claim(self):
        """In the process: the lock, kept open for its life. None when another one runs."""
        os.makedirs(os.path.dirname(self.lock_file), exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        # A status check holds a shared lock for an instant: retry a little before giving up.
        deadline = time.monotonic() + 2
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    return None
                time.sleep(0.05)
        write_atomically(self.pid_file, '%d\n' % os.getpid())
        return fd


def load_script(path, name):
    """An emulator script (its file name is a command name, not a module name) as a module, for its unit tests."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader(name, path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module
