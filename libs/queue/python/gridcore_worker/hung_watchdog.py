"""The hung-handler watchdog (the twin of sdk/hung-watchdog.ts): a handler still running at its
start + batch_timeout_s is hung."""

import threading
import time


class HungWatchdog:
    def __init__(self, timeout_s):
        self.timeout_s = timeout_s
        self.running = {}
        self.lock = threading.Lock()

    def started(self, key):
        with self.lock:
            self.running[key] = time.monotonic()

    def ended(self, key):
        with self.lock:
            self.running.pop(key, None)

    def check(self):
        """(a hung batch key or None, seconds until the next deadline to check again)."""
        now = time.monotonic()
        with self.lock:
            starts = list(self.running.items())
        for key, since in starts:
            if now - since >= self.timeout_s:
                return key, 0
        nearest = min((since + self.timeout_s - now for _, since in starts), default=1.0)
        return None, max(0.01, min(nearest, 1.0))
