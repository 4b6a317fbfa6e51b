"""Lease renewal (the twin of sdk/lease-keeper.ts): renews the lease of every batch the worker holds
(its handler running, or taken ahead), every lease_s / 3, and reports what it could not renew
instead of dropping it. A renewal answering "gone" marks the batch lost at once; failed renewals
mark it lost once its lease deadline passed without a success. release() tells the worker whether
the batch's ack counts."""

import threading
import time


class LeaseKeeper:
    def __init__(self, renewer, lease_s, report, now=time.monotonic):
        self.renewer, self.lease_s, self.report, self.now = renewer, lease_s, report, now
        self.held = {}
        self.lock = threading.Lock()
        self._stopped = threading.Event()

    def start(self):
        every = max(0.1, self.lease_s / 3.0)

        def loop():
            while not self._stopped.wait(every):
                self.renew_all()
        threading.Thread(target=loop, daemon=True).start()

    def stop(self):
        self._stopped.set()

    def hold(self, key, lane, lease_ms):
        """The worker holds `key` (its reply just arrived, or its handler starts); its lease runs `lease_ms` from now."""
        with self.lock:
            self.held[key] = {"lane": lane, "expires": self.now() + lease_ms / 1000.0, "lost": None, "failing": False}

    def release(self, key):
        """The handler ended: None when the lease held throughout, else {"key", "reason"}."""
        with self.lock:
            lease = self.held.pop(key, None)
        if lease is None:
            return None
        if lease["lost"]:
            return lease["lost"]
        if self.now() >= lease["expires"]:
            self.report("gridcore-worker: the lease of batch %s lapsed (no renewal since its deadline); its ack does not count" % key)
            return {"key": key, "reason": "expired"}
        return None

    def finished(self, key):
        """The handler ended and its ack waits for a later take: as release(), but a lease that held
        stays kept (renewed) until drop(), when the ack goes out."""
        with self.lock:
            lease = self.held.get(key)
        if lease is None:
            return None
        # The local deadline also passes while the container is frozen (docker pause), when the
        # node renewed the lease on the worker's behalf: ask Redis once before calling it lapsed.
        if not lease["lost"] and self.now() >= lease["expires"]:
            self._renew_one(key, lease)
        lost = self.release(key)
        if not lost:
            with self.lock:
                self.held.setdefault(key, lease)
        return lost

    def drop(self, key):
        """The handler failed (its batch is requeued) or the batch was handed back unstarted."""
        with self.lock:
            return self.held.pop(key, None) is not None

    def renew_all(self):
        with self.lock:
            held = list(self.held.items())
        for key, lease in held:
            if not lease["lost"]:
                self._renew_one(key, lease)

    def _renew_one(self, key, lease):
        try:
            r = self.renewer.renew(key)
        except Exception as err:
            if not lease["failing"]:
                self.report("gridcore-worker: renewing the lease of batch %s failed (%s); retrying" % (key, str(err).split("\n")[0]))
            lease["failing"] = True
            return
        if not r["alive"]:
            lease["lost"] = {"key": key, "reason": "gone"}
            self.report("gridcore-worker: the lease of batch %s (lane %d) was lost: the batch was requeued while its handler ran; its ack does not count" % (key, lease["lane"]))
        else:
            lease["expires"] = self.now() + r["lease_ms"] / 1000.0
            lease["failing"] = False
