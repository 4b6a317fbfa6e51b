"""The worker's one stop flag (the twin of sdk/stop-signal.ts): an Event whose waits end with it."""

import threading


class StopSignal:
    def __init__(self):
        self._event = threading.Event()
        self._lock = threading.Lock()

    def is_set(self):
        return self._event.is_set()

    def set(self):
        """True for the caller that set it first (the one that logs why and owns the exit)."""
        with self._lock:
            if self._event.is_set():
                return False
            self._event.set()
            return True

    def wait(self, timeout):
        """Sleeps `timeout` seconds, or less when the worker stops meanwhile; True when stopped."""
        return self._event.wait(timeout)
