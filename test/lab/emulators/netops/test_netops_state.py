"""
Unit tests of the daemons' shared pieces, run by test/unit/lab-emulators.test.ts.
"""
import socket
import threading
import time
import unittest

from netops.state import hold_until_closed


class HoldUntilClosedTest(unittest.TestCase):
    def setUp(self):
        self.server, self.client = socket.socketpair()
        self.addCleanup(self.server.close)
        self.addCleanup(self.client.close)

    def held(self, *stops):
        """Runs hold_until_closed in a thread; returns it once started."""
        thread = threading.Thread(target=hold_until_closed, args=(self.server, *stops), daemon=True)
        thread.start()
        return thread

    def test_holds_while_the_client_sends_and_returns_when_it_closes(self):
        thread = self.held(threading.Event())
        self.client.sendall(b'ping\n')
        time.sleep(0.7)
        self.assertTrue(thread.is_alive())
        self.client.close()
        thread.join(2)
        self.assertFalse(thread.is_alive())

    def test_returns_once_any_stop_event_is_set(self):
        first, second = threading.Event(), threading.Event()
        thread = self.held(first, second)
        time.sleep(0.2)
        self.assertTrue(thread.is_alive())
        second.set()
        thread.join(2)
        self.assertFalse(thread.is_alive())


if __name__ == '__main__':
    unittest.main()
