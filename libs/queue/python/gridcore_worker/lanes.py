"""The lanes and retry isolation (the twin of sdk/lanes.ts): after a failure (or retried items in
sight) lane 0 takes retried items one at a time while every other lane parks. Waits are on one
condition, notified at every lane state or isolation change (and when the worker stops)."""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

# Below this many items per batch a round trip costs more than the batch: prefetch.
PREFETCH_BELOW_BATCH = 10


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
        # The lane's LaneTakes (the worker sets it; shutdown waits for its takes in flight).
        self.takes = None


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


class LaneTakes:
    """A lane's takes in flight, oldest first (the twin of LaneTakes in sdk/lanes.ts): one, or, while
    full batches of fewer than PREFETCH_BELOW_BATCH items flow, two, on two threads of the lane's own
    (the take of batch k+1 is out while batch k is handled). Each batch's lease is held from the moment
    its reply arrives; settle() hands back every batch taken and not started. `taker` is the
    WorkerScriptRunner (take, release), `leases` the LeaseKeeper (hold, drop); `changed` is called
    whenever a take on those threads ends."""

    def __init__(self, lane, taker, leases, batch_size, changed=lambda: None, now=time.monotonic):
        self.lane, self.taker, self.leases, self.batch_size = lane, taker, leases, batch_size
        self.changed, self.now = changed, now
        self.in_flight = []
        self.flowing = False
        self._pool = None

    @property
    def prefetching(self):
        return self.batch_size < PREFETCH_BELOW_BATCH

    @property
    def size(self):
        return len(self.in_flight)

    def idle(self):
        """No take of this lane is still running."""
        return all(f.done() for f in list(self.in_flight))

    def fill(self, ack, from_retry):
        """Sends the take carrying `ack` (or the first take), and while full batches flow, one more ahead."""
        if ack or not self.in_flight:
            self._send(ack, from_retry)
        if not from_retry:
            self._ahead(2)

    def next(self):
        """The oldest take's outcome: {"reply", "age_s"}, or {"error", "ack"} for a failed take; a full
        batch with nothing behind it sends the next take at once."""
        out = self.in_flight.pop(0).result()
        if "error" in out:
            self.flowing = False
            return out
        r = out["reply"]
        # Retried items in sight start isolation: nothing is taken ahead then.
        self.flowing = r["source"] == "input" and len(r["items"]) >= self.batch_size and r["retry"] == 0
        self._ahead(1)
        return {"reply": r, "age_s": self.now() - out["arrived"]}

    def _ahead(self, up_to):
        """One take ahead (no ack: the batch before it is not handled yet) while fewer than `up_to` are out."""
        if self.flowing and self.prefetching and len(self.in_flight) < up_to:
            self._send(None, False)

    def unstarted(self, taken):
        """A reply the lane will not start after all (it stops): settle() hands it back first."""
        f = Future()
        f.set_result({"reply": taken["reply"], "arrived": self.now() - taken["age_s"]})
        self.in_flight.insert(0, f)

    def settle(self):
        """Waits for every take in flight and hands back, without an attempt, what they took (never
        started); returns the failed ones, for their acks to be re-sent."""
        failed = []
        while self.in_flight:
            out = self.in_flight.pop(0).result()
            if "error" in out:
                failed.append(out)
            else:
                self.leases.drop(out["reply"]["key"])
                self.taker.release(self.lane, out["reply"]["key"])
        self.flowing = False
        return failed

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def _take(self, ack, from_retry):
        try:
            reply = self.taker.take(self.lane, ack, from_retry)
            if reply["items"]:
                self.leases.hold(reply["key"], self.lane.index, reply["lease_ms"])
            return {"reply": reply, "arrived": self.now()}
        except Exception as err:
            return {"error": err, "ack": ack}

    def _send(self, ack, from_retry):
        if not self.prefetching:
            # One take at a time: on the lane's own thread, as it always was.
            f = Future()
            f.set_result(self._take(ack, from_retry))
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gridcore-take-%d" % self.lane.index)
            f = self._pool.submit(self._take, ack, from_retry)
            f.add_done_callback(lambda _f: self.changed())
        self.in_flight.append(f)
