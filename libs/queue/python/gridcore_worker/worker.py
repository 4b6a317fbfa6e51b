"""One worker process of SPEC §4 (the twin of sdk/worker.ts): lanes are threads sharing one
connection pool for take/ack/renew, each with its own connection for BLMOVE."""

import os
import signal
import sys
import threading
import time

from .connections import Connections
from .error_rule import requeues_on_fatal
from .delivery import decide_delivery_mode, parse_redis_url, startup_line
from .hung_watchdog import HungWatchdog
from .keys import QueueKeys
from .lanes import GroupPace, Lanes, LaneTakes
from .lease_keeper import LeaseKeeper
from .output_writer import OutputPushError, OutputWriter
from .script_runner import Scripts, WorkerScriptRunner
from .settings import SettingsError, fmt_number, resolve_settings
from .stop_signal import StopSignal


class Worker:
    def __init__(self, handler, settings, log=None, out=None):
        self.handler, self.s = handler, settings
        self.log = log or (lambda line: (sys.stderr.write(line + "\n"), sys.stderr.flush()))
        self.out_line = out or (lambda line: (sys.stdout.write(line + "\n"), sys.stdout.flush()))
        self.stop_signal = StopSignal()
        self.last_work = time.monotonic()
        self.exit_code = None
        self.exit_event = threading.Event()
        self.lanes = Lanes([])
        self.output = None
        # Each lane's finished batches whose acks wait for a later take (a group's last batch to start).
        self.unacked = {}

    @property
    def stopping(self):
        return self.stop_signal.is_set()

    def run(self):
        s = self.s
        self.conns = Connections(s, "%(host)s:%(port)s/%(db)s" % parse_redis_url(s["input_url"]), self.log)
        self.conns.open(s["node"], s["instance"])
        mode = decide_delivery_mode(s["input_url"], s["output_url"], s["input_queue"], s["output_queue"], self.conns.cluster)
        exactly_once = mode[0] == "exactly-once"
        if not exactly_once:
            self.conns.open_output()
            self.output = OutputWriter(self.conns.out, s["output_queue"], self.stop_signal)
        self.keys = QueueKeys(s["input_queue"])
        scripts = Scripts()
        scripts.preload(self.conns.main)
        cfg = self.conns.main.hmget(self.keys.config, "lease_s", "batch_timeout_s", "max_attempts")
        for i, name in enumerate(("lease_s", "batch_timeout_s", "max_attempts")):
            try:
                v = float(cfg[i]) if cfg[i] is not None else 0
            except ValueError:
                v = 0
            if v > 0:
                s["env_config"][name] = int(v) if v.is_integer() else v
        self.scripts = WorkerScriptRunner(self.conns, self.keys, s, scripts, exactly_once, self.stop_signal, self._fatal, self.log)
        lease_s, self.batch_timeout_s = self.scripts.cfg("lease_s"), self.scripts.cfg("batch_timeout_s")
        self.out_line(startup_line({"task": s["task"], "node": s["node"], "instance": s["instance"], "run": s["run"],
                                    "input": s["input_queue"], "output": s["output_queue"], "batch": s["batch"],
                                    "concurrency": s["concurrency"], "lease_s": lease_s,
                                    "batch_timeout_s": self.batch_timeout_s,
                                    "max_attempts": self.scripts.cfg("max_attempts"), "mode": mode}))
        self.lanes = Lanes([self.keys.lane_prefix(s["node"], s["instance"], s["run"], i) for i in range(s["concurrency"])])
        self.keeper = LeaseKeeper(self.scripts, lease_s, self.log)
        self.watchdog = HungWatchdog(self.batch_timeout_s)
        self.last_work = time.monotonic()
        for lane in self.lanes.all:
            threading.Thread(target=self._lane_main, args=(lane,), daemon=True).start()
        self.keeper.start()
        wait_s = 0.05
        while not self.exit_event.wait(wait_s):
            hung, wait_s = self.watchdog.check()
            if hung is not None:
                self._hung(hung)
        return self.exit_code

    def stop(self, reason="SIGTERM"):
        threading.Thread(target=self._shutdown, args=(0, reason), daemon=True).start()

    def _lane_main(self, lane):
        try:
            self._lane_loop(lane)
        except Exception as err:  # a bug: stop loudly
            self._fatal("lane %d stopped: %r" % (lane.index, err), err)

    def _lane_loop(self, lane):
        lanes, pace = self.lanes, GroupPace(self.s["batch"])
        pending = self.unacked[lane.index] = []
        takes = lane.takes = LaneTakes(lane, self.scripts, self.keeper, self.s["batch"], lanes.changed, group_size=pace.size)
        try:
            while True:
                parking = lanes.isolation and lane.index != 0
                if self.stopping or lanes.isolation:
                    # A batch taken ahead and never started goes back without an attempt; retried items run alone.
                    for f in takes.settle():
                        self.scripts.recover(lane, f["error"], f["acks"])
                if self.stopping or parking:
                    self._ack_alone(lane, pending)
                    if self.stopping:
                        return lanes.set(lane, "done")
                    lanes.park(lane, self.stop_signal)
                    continue
                from_retry = lanes.isolation and lane.index == 0
                if from_retry:
                    # Let the other lanes finish and ack what they hold before retried items run alone.
                    lanes.wait_until(lambda: self.stopping or not lanes.isolation or lanes.others_settled())
                    if self.stopping or not lanes.isolation:
                        continue
                lanes.set(lane, "taking")
                kept = takes.fill(list(pending), from_retry)
                pending[:] = kept
                taken = takes.next()
                if "error" in taken:
                    for f in [taken] + takes.settle():
                        self.scripts.recover(lane, f["error"], f["acks"])
                    continue
                r = taken["reply"]
                self.scripts.succeeded()
                lanes.set(lane, "idle")
                if self.stopping:
                    takes.unstarted(taken)
                    continue
                if from_retry and r["source"] != "retry":
                    lanes.end_isolation()
                elif not lanes.isolation and r["retry"] > 0:
                    self._enter_isolation()
                items = r["items"]
                if r["source"] == "wait":
                    items = self._wait_for_item(lane, r, taken["age_s"], takes.size)
                    if items is None:
                        continue
                self.last_work = started = time.monotonic()
                ack = self._handle(lane, r["key"], items)
                pace.record(time.monotonic() - started)
                if ack:
                    pending.append(ack)
        finally:
            takes.close()

    def _ack_alone(self, lane, pending):
        """Acks a lane's finished batches with no take (it stops or parks, the worker hangs); their
        leases are no longer kept. Empties `pending`."""
        acks = list(pending)
        del pending[:]
        if not acks:
            return
        for a in acks:
            self.keeper.drop(a["key"])
        self.scripts.ack_only(lane, acks)

    def _wait_for_item(self, lane, r, age_s, takes_behind):
        """The waiting path: one BLMOVE into the fresh waiting key; the item's lease is then kept."""
        key, lease_ms, retry_len = r["key"], r["lease_ms"], r["retry"]
        block_ms = int(round(self.s["block_s"] * 1000))
        enough = lease_ms >= block_ms + 5000
        # Only a fresh key with no take behind it (a key taken ahead may have sat while a batch ran).
        fresh = takes_behind == 0 and age_s <= 1.0
        if not fresh or self.lanes.isolation or retry_len > 0 or not enough:
            self.scripts.release(lane, [key])
            if fresh and not enough and not self.lanes.isolation:
                self._idle_tick(min(block_ms, 1000) / 1000.0)
            return None
        self.lanes.set(lane, "blocked")
        try:
            conn = self.conns.blocking_connection(lane)
            lane.blocking_id = conn.client_id()
            lane.unblocked.clear()
            lane.blocked = True
            if self.stopping or self.lanes.isolation:
                item = None
            else:
                item = conn.blmove(self.s["input_queue"], key, self.s["block_s"], "RIGHT", "LEFT")
        except Exception as err:
            self._unblocked(lane)
            # A lost BLMOVE reply may have moved an item after all: hand the key back, never ack it.
            self.scripts.recover(lane, err)
            return None
        self._unblocked(lane)
        if item is None:
            self.scripts.release(lane, [key])
            self._idle_tick(0)
            return None
        if self.stopping:
            return None
        try:
            renewed = self.scripts.renew(key)
            if not renewed["alive"]:
                return None
            self.keeper.hold(key, lane.index, renewed["lease_ms"])
            return [item]
        except Exception as err:
            self.scripts.recover(lane, err)
            return None

    def _unblocked(self, lane):
        lane.blocked = False
        lane.unblocked.set()
        self.lanes.set(lane, "idle")

    def _idle_tick(self, sleep_s):
        if self.stopping or self.lanes.isolation:
            return
        if time.monotonic() - self.last_work >= self.s["idle_exit_s"]:
            threading.Thread(target=self._shutdown, args=(0, "idle for %ss" % fmt_number(self.s["idle_exit_s"])), daemon=True).start()
            return
        if sleep_s > 0:
            self.stop_signal.wait(sleep_s)

    def _handle(self, lane, key, items):
        """Runs the handler under the lease kept since its take; the ack to send next, or None (failed, or lease lost)."""
        self.lanes.set(lane, "handler")
        self.watchdog.started(key)
        try:
            results = self.handler(items)
            if not isinstance(results, (list, tuple)) or len(results) != len(items):
                raise ValueError("handler returned %s result(s) for %d item(s)" % (
                    len(results) if isinstance(results, (list, tuple)) else type(results).__name__, len(items)))
            for i, res in enumerate(results):
                if not isinstance(res, str):
                    raise ValueError("handler result %d is a %s, not a str" % (i, type(res).__name__))
        except Exception as err:
            self.watchdog.ended(key)
            self.keeper.drop(key)
            self.lanes.set(lane, "idle")
            message = str(err) or type(err).__name__
            self.log("gridcore-worker: handler failed on %d item(s) (%s); batch requeued with an attempt" % (len(items), message))
            self.scripts.requeue_failed(key, self._cause("error", message))
            if not self.stopping:
                self._enter_isolation()
            return None
        self.watchdog.ended(key)
        # A finished batch's lease stays kept until its ack goes out (LaneTakes drops it then).
        lost = self.keeper.finished(key)
        self.lanes.set(lane, "idle")
        if lost:
            # The batch may be someone else's now: neither push nor ack counts.
            return None
        results = list(results)
        if self.output is None:
            return {"key": key, "results": results}
        try:
            return {"key": key, "count": len(results)} if self.output.push(results) else None
        except OutputPushError as err:
            self._fatal(str(err))
            return None

    def _takes_idle(self):
        """No take runs on a lane's own threads: a hand-back by slot now finds every batch they took
        (they use other connections than the hand-back, so nothing else orders them)."""
        return all(l.takes is None or l.takes.idle() for l in self.lanes.all)

    def _enter_isolation(self):
        if self.lanes.enter_isolation():
            self.conns.unblock_all(self.lanes.all)

    def _shutdown(self, code, reason):
        if not self.stop_signal.set():
            return
        self.log("gridcore-worker: stopping (%s); handing back what this process holds" % reason)
        self.lanes.end_isolation()
        self.conns.unblock_all(self.lanes.all)
        self.lanes.wait_until(lambda: all(l.state in ("done", "handler") for l in self.lanes.all) and self._takes_idle(), timeout=3)
        self.scripts.hand_back_all()
        self._finish(code)

    def _hung(self, key):
        if not self.stop_signal.set():
            return
        self.lanes.changed()
        self.log("gridcore-worker: a handler is still running after batch_timeout_s=%s; requeuing its batch and exiting 1" % fmt_number(self.batch_timeout_s))
        for lane in self.lanes.all:
            try:
                self._ack_alone(lane, self.unacked.get(lane.index, []))
            except Exception:
                pass
        try:
            self.scripts.requeue([key], self._cause("hung", "hung past batch_timeout_s (%s s)" % fmt_number(self.batch_timeout_s)))
        except Exception:
            pass
        self.lanes.wait_until(self._takes_idle, timeout=2)
        self.scripts.hand_back_all()
        self._finish(1)

    def _fatal(self, message, err=None):
        """Exit 1. After an error the rule does not know (error_rule.py) the batches held go back with
        an attempt and the error as their cause; after a known one without."""
        if not self.stop_signal.set():
            return
        self.lanes.changed()
        self.log("gridcore-worker: %s" % message)
        self.lanes.wait_until(self._takes_idle, timeout=2)
        cause = self._cause("worker-error", "worker error: %s" % message) if requeues_on_fatal(err) else None
        self.scripts.hand_back_all(cause)
        self._finish(1)

    def _cause(self, kind, message):
        """A cause to record with a requeue; the image is the one the node said it started (GRIDCORE_IMAGE)."""
        cause = {"kind": kind, "message": message}
        if os.environ.get("GRIDCORE_IMAGE"):
            cause["image"] = os.environ["GRIDCORE_IMAGE"]
        return cause

    def _finish(self, code):
        if getattr(self, "keeper", None):
            self.keeper.stop()
        if self.exit_code is None:
            self.exit_code = code
        self.exit_event.set()


def run_worker(handler, batch=None, concurrency=None, block_s=None, idle_exit_s=None, env=None):
    """Runs a worker until SIGTERM (exit 0), idle (exit 0), a hung handler (exit 1) or a fatal
    error (exit 1); bad settings exit 2. Env wins over the arguments (CONTRACT.md)."""
    try:
        settings = resolve_settings(os.environ if env is None else env, batch, concurrency, block_s, idle_exit_s)
    except SettingsError as err:
        sys.stderr.write("%s\n" % err)
        sys.exit(2)
    worker = Worker(handler, settings)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: worker.stop("SIGINT"))
    try:
        code = worker.run()
    except Exception as err:
        sys.stderr.write("gridcore-worker: cannot start: %s\n" % err)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
