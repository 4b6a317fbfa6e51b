"""The lanes and retry isolation (the twin of sdk/lanes.ts): after a failure (or retried items in
sight) lane 0 takes retried items one at a time while every other lane parks. Waits are on one
condition, notified at every lane state or isolation change (and when the worker stops)."""

import threading


class Lane:
    def __init__(self, index, prefix):
        self.index, self.prefix = index, prefix
        self.state = "idle"
        self.blocking_conn = None
        self.blocking_id = None
        self.blocked = False
        # Set while no BLMOVE of this lane is pending (unblock_all waits on it).
        self.unblocked = threading.Event()
        self.unblocked.set()


class Lanes:
    def __init__(self, prefixes):
        self.all = [Lane(i, p) for i, p in enumerate(prefixes)]
        self.isolation = False
        self.cond = threading.Condition()

    def set(self, lane, state):
        with self.cond:
            lane.state = state
            self.cond.notify_all()

    def enter_isolation(self):
        """True when this call started isolation (the caller then ends pending BLMOVEs)."""
        with self.cond:
            if self.isolation:
                return False
            self.isolation = True
            self.cond.notify_all()
            return True

    def end_isolation(self):
        with self.cond:
            self.isolation = False
            self.cond.notify_all()

    def park(self, lane, stop):
        """Parks a lane other than 0 until isolation ends (or the worker stops)."""
        with self.cond:
            lane.state = "parked"
            self.cond.notify_all()
            self.cond.wait_for(lambda: not self.isolation or stop.is_set())
            lane.state = "idle"
            self.cond.notify_all()

    def others_settled(self):
        """Every lane but 0 has parked or finished: retried items may run alone."""
        return all(l.index == 0 or l.state in ("parked", "done") for l in self.all)

    def wait_until(self, ready, timeout=None):
        with self.cond:
            return self.cond.wait_for(ready, timeout)

    def changed(self):
        with self.cond:
            self.cond.notify_all()
