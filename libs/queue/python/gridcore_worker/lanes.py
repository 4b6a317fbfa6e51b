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
    (the take of the next group is out while a group is handled). A take asks for `group_size()`
    batches (GroupPace); the acks of a group's batches wait until its last batch has started, then
    ride on one take. Each batch's lease is held from the moment its reply arrives; settle() hands
    back every batch taken and not started. `taker` is the WorkerScriptRunner (take, release),
    `leases` the LeaseKeeper (hold, drop); `changed` is called whenever a take on those threads ends."""

    def __init__(self, lane, taker, leases, batch_size, changed=lambda: None, now=time.monotonic, group_size=lambda: 1):
        self.lane, self.taker, self.leases, self.batch_size = lane, taker, leases, batch_size
        self.changed, self.now, self.group_size = changed, now, group_size
        self.in_flight = []
        # Batches of an arrived group not yet given to the lane: {"reply", "arrived"}.
        self.ready = []
        self.flowing = False
        self._pool = None

    @property
    def prefetching(self):
        return self.batch_size < PREFETCH_BELOW_BATCH

    @property
    def size(self):
        """Takes in flight and batches taken but not given out yet."""
        return len(self.in_flight) + len(self.ready)

    def idle(self):
        """No take of this lane is still running."""
        return all(f.done() for f in list(self.in_flight))

    def fill(self, acks, from_retry):
        """Sends the take carrying `acks` (or the first take) once every batch taken has been given out,
        and while full batches flow, one more ahead; returns the acks kept for a later take."""
        if self.ready and not from_retry:
            return acks
        if acks or not self.in_flight:
            self._send(acks, from_retry)
            acks = []
        if not from_retry:
            self._ahead(2)
        return acks

    def next(self):
        """The next batch taken: {"reply", "age_s"}, or {"error", "acks"} for a failed take; a full
        group with nothing behind it sends the next take at once."""
        if not self.ready:
            out = self.in_flight.pop(0).result()
            if "error" in out:
                self.flowing = False
                return out
            self.ready.extend({"reply": r, "arrived": out["arrived"]} for r in out["replies"])
            # Retried items in sight start isolation, a short group means the input ran dry: nothing is taken ahead then.
            self.flowing = out["full"]
            self._ahead(1)
        got = self.ready.pop(0)
        return {"reply": got["reply"], "age_s": self.now() - got["arrived"]}

    def _ahead(self, up_to):
        """One take ahead (no ack: the batches before it are not handled yet) while fewer than `up_to` are out."""
        if self.flowing and self.prefetching and len(self.in_flight) < up_to:
            self._send([], False)

    def unstarted(self, taken):
        """A reply the lane will not start after all (it stops): settle() hands it back first."""
        self.ready.insert(0, {"reply": taken["reply"], "arrived": self.now() - taken["age_s"]})

    def settle(self):
        """Waits for every take in flight and hands back, without an attempt, what they took (never
        started); returns the failed ones, for their acks to be re-sent."""
        failed, back = [], [r["reply"] for r in self.ready]
        self.ready = []
        while self.in_flight:
            out = self.in_flight.pop(0).result()
            if "error" in out:
                failed.append(out)
            else:
                back.extend(out["replies"])
        keys = [r["key"] for r in back]
        for key in keys:
            self.leases.drop(key)
        if keys:
            self.taker.release(self.lane, keys)
        self.flowing = False
        return failed

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def _take(self, acks, from_retry, count):
        try:
            replies = self.taker.take(self.lane, acks, from_retry, count)
            for r in replies:
                if r["items"]:
                    self.leases.hold(r["key"], self.lane.index, r["lease_ms"])
            full = len(replies) == count and all(
                r["source"] == "input" and len(r["items"]) >= self.batch_size and r["retry"] == 0 for r in replies)
            return {"replies": replies, "arrived": self.now(), "full": full}
        except Exception as err:
            return {"error": err, "acks": acks}

    def _send(self, acks, from_retry):
        count = 1 if from_retry or not self.prefetching else max(1, int(self.group_size()))
        # An acked batch's lease is kept until its ack goes out (it waited for the group's end).
        for a in acks:
            self.leases.drop(a["key"])
        if not self.prefetching:
            # One take at a time: on the lane's own thread, as it always was.
            f = Future()
            f.set_result(self._take(acks, from_retry, count))
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gridcore-take-%d" % self.lane.index)
            f = self._pool.submit(self._take, acks, from_retry, count)
            f.add_done_callback(lambda _f: self.changed())
        self.in_flight.append(f)


# Handler time one take's group may hold, in seconds: at most this much work waits behind a running batch.
GROUP_BUDGET_S = 0.005
# Items one take's group holds at most (batches of 1: up to 16 batches per take).
GROUP_MAX_ITEMS = 16


# Handler times GroupPace keeps: its estimate is their median.
PACE_SAMPLES = 16


class GroupPace:
    """How many batches a lane's take asks for at small batches (the twin of GroupPace in
    sdk/lanes.ts): as many as fit in GROUP_BUDGET_S of handler time, at most GROUP_MAX_ITEMS items,
    and 1 until a handler has run. The handler time is the median of the lane's last PACE_SAMPLES
    handlers (a descheduled process is an outlier, not a slow handler), or an eighth of the last
    one if that is more (a handler turning slow brings the group down at once)."""

    def __init__(self, batch_size):
        self.max = max(1, GROUP_MAX_ITEMS // batch_size)
        self.samples, self.next, self.last = [], 0, 0.0

    def record(self, handler_s):
        if len(self.samples) < PACE_SAMPLES:
            self.samples.append(handler_s)
        else:
            self.samples[self.next] = handler_s
        self.next = (self.next + 1) % PACE_SAMPLES
        self.last = handler_s

    def size(self):
        if not self.samples:
            return 1
        s = max(sorted(self.samples)[len(self.samples) // 2], self.last / 8.0)
        return min(self.max, max(1, int(GROUP_BUDGET_S / max(s, 1e-6))))
