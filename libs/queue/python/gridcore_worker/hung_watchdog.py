"""The hung-handler watchdog (the twin of sdk/hung-watchdog.ts): a handler still running at its
start + batch_timeout_s is hung. Time the process spent frozen (the node paused its container while
its owner needed the machine) does not count: a check that comes far later than it was due while
the process used almost no CPU meanwhile moves every running handler's start forward by the gap,
as the node moved the batches' start forward in Redis."""

import threading
import time

# A check later than this beyond its wait is a freeze (when the process also used little CPU).
MIN_FREEZE_S = 1.0


class HungWatchdog:
    def __init__(self, timeout_s):
        self.timeout_s = timeout_s
        self.running = {}
        self.lock = threading.Lock()
        self.last_check = None  # (monotonic, process CPU seconds, the wait it asked for)

    def started(self, key):
        with self.lock:
            self.running[key] = time.monotonic()

    def ended(self, key):
        with self.lock:
            self.running.pop(key, None)

    def discount_freeze(self, now, cpu):
        """Moves the running handlers' starts forward by a frozen gap since the last check."""
        if self.last_check is None:
            return
        then, then_cpu, wait = self.last_check
        late = (now - then) - wait
        if late >= MIN_FREEZE_S and (cpu - then_cpu) < late / 2:
            with self.lock:
                for key in self.running:
                    self.running[key] += late

    def check(self):
        """(a hung batch key or None, seconds until the next deadline to check again)."""
        now = time.monotonic()
        cpu = time.process_time()
        self.discount_freeze(now, cpu)
        with self.lock:
            starts = list(self.running.items())
        for key, since in starts:
            if now - since >= self.timeout_s:
                self.last_check = (now, cpu, 0)
                return key, 0
        nearest = min((since + self.timeout_s - now for _, since in starts), default=1.0)
        wait = max(0.01, min(nearest, 1.0))
        self.last_check = (now, cpu, wait)
        return None, wait
