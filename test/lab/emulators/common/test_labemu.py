"""Unit tests of the shared emulator helpers (run by test/unit/lab-emulators.test.ts)."""
import os
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

import labemu


class FilesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def test_write_atomically_creates_the_final_mode_and_replaces_whole(self):
        path = os.path.join(self.dir, 'sub', 'state.json')
        labemu.write_atomically(path, 'one', mode=0o600)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        labemu.write_atomically(path, b'two', mode=0o600)
        self.assertEqual(labemu.read(path), 'two')
        self.assertEqual(os.listdir(os.path.dirname(path)), ['state.json'])

    def test_read_drops_a_byte_order_mark_and_defaults_when_missing(self):
        path = os.path.join(self.dir, 'bom.xml')
        with open(path, 'wb') as f:
            f.write(b'\xef\xbb\xbf<a/>')
        self.assertEqual(labemu.read(path), '<a/>')
        self.assertEqual(labemu.read(path + '.none', 'gone'), 'gone')

    def test_read_json_defaults_on_empty_or_broken_json(self):
        path = os.path.join(self.dir, 'x.json')
        labemu.write_json(path, {'b': 1, 'a': [2]})
        self.assertEqual(labemu.read_json(path), {'a': [2], 'b': 1})
        labemu.write_atomically(path, '{broken')
        self.assertEqual(labemu.read_json(path, 'default'), 'default')
        labemu.write_atomically(path, '')
        self.assertIsNone(labemu.read_json(path))

    def test_now_iso_has_a_z_and_the_asked_precision(self):
        self.assertRegex(labemu.now_iso(), r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertRegex(labemu.now_iso(milliseconds=True), r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')


class WaitTest(unittest.TestCase):
    def test_wait_until_returns_the_value_or_gives_up_at_the_timeout(self):
        calls = []
        self.assertEqual(labemu.wait_until(lambda: calls.append(1) or (len(calls) >= 3 and 'done'), 5, 0.001), 'done')
        self.assertFalse(labemu.wait_until(lambda: False, 0.05, 0.01))


class SingletonLockTest(unittest.TestCase):
    def test_held_only_while_a_process_keeps_it_and_free_when_it_dies(self):
        base = tempfile.mkdtemp()
        lock = labemu.SingletonLock(os.path.join(base, 'run', 'x.lock'), os.path.join(base, 'run', 'x.pid'))
        self.assertFalse(lock.held())
        self.assertIsNone(lock.pid())
        holder = subprocess.Popen(
            [sys.executable, '-c',
             'import sys, time, labemu; l = labemu.SingletonLock(sys.argv[1], sys.argv[2]); '
             'fd = l.claim(); print("claimed" if fd is not None else "refused", flush=True); time.sleep(30)',
             lock.lock_file, lock.pid_file],
            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=os.path.dirname(labemu.__file__)))
        try:
            self.assertEqual(holder.stdout.readline().decode().strip(), 'claimed')
            self.assertTrue(lock.held())
            self.assertEqual(lock.pid(), holder.pid)
            self.assertIsNone(lock.claim())
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        self.assertFalse(lock.held())
        self.assertIsNotNone(lock.claim())


class AnswersTest(unittest.TestCase):
    def test_answers_only_where_something_listens(self):
        import socket
        server = socket.socket()
        server.bind(('127.0.0.1', 0))
        server.listen(1)
        port = server.getsockname()[1]
        accepted = []
        threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
        self.assertTrue(labemu.answers('127.0.0.1', port))
        labemu.wait_until(lambda: accepted, 2)
        for connection in accepted:
            connection.close()
        server.close()
        self.assertFalse(labemu.answers('127.0.0.1', port))


if __name__ == '__main__':
    unittest.main()
