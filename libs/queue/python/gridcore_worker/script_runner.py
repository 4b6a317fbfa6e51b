"""The Lua scripts, the protocol manifest beside them, and the worker's calls to them (the twin of
script-loader.ts, protocol.ts and sdk/script-runner.ts)."""

import hashlib
import json
import os
import re
import time

import redis

from .connections import is_connection_problem
from .error_rule import ErrorRule
from .lanes import PREFETCH_BELOW_BATCH
from .settings import DEFAULTS


def scripts_dir():
    """GRIDCORE_SCRIPTS_DIR, else the package's own scripts/ (package data of the installed package;
    in the repository a link to libs/queue/src/scripts)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.environ.get("GRIDCORE_SCRIPTS_DIR"), os.path.join(here, "scripts")):
        if d and os.path.exists(os.path.join(d, "take-10.lua")):
            return d
    raise RuntimeError("queue scripts not found in %s (a broken install?); set GRIDCORE_SCRIPTS_DIR" % os.path.join(here, "scripts"))


_INCLUDE = re.compile(r"^-- @include ([a-z-]+)[ \t]*$", re.M)


def load_scripts(directory=None):
    """{name: (num_keys, source, sha1)} with includes pasted in, the same rule as script-loader.ts."""
    directory = directory or scripts_dir()
    out = {}
    for name in sorted(os.listdir(directory)):
        m = re.match(r"^([a-z-]+)-(\d+)\.lua$", name)
        if not m:
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            src = f.read()

        def include(match):
            with open(os.path.join(directory, "includes", match.group(1) + ".lua"), encoding="utf-8") as inc:
                return inc.read()
        src = _INCLUDE.sub(include, src)
        out[m.group(1)] = (int(m.group(2)), src, hashlib.sha1(src.encode("utf-8")).hexdigest())
    return out


class Protocol:
    """scripts/manifest.json, the queue protocol declared once (the twin of protocol.ts): each
    script's KEYS by role, ARGV by name (a last name ending in ... takes the rest), reply fields
    and the error table."""

    def __init__(self, directory=None):
        with open(os.path.join(directory or scripts_dir(), "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        self.errors = {int(code): e for code, e in self.manifest["errors"].items()}

    def declaration(self, name):
        return self.manifest["scripts"][name]

    def keys(self, name, by_role):
        return [by_role[role] for role in self.declaration(name)["keys"]]

    def args(self, name, values):
        declared = self.declaration(name)["args"]
        names = {a[:-3] if a.endswith("...") else a for a in declared}
        for given in values:
            if given not in names:
                raise ValueError("%s: argument %s is not declared in manifest.json" % (name, given))
        out = []
        for arg in self.declaration(name)["args"]:
            if arg.endswith("..."):
                out.extend(values[arg[:-3]])
            else:
                out.append(values[arg])
        return out

    def decode(self, name, reply):
        return dict(zip(self.declaration(name)["reply"], reply))


MAX_CAUSE_BYTES = 4096


def _head_bytes(s, n):
    return s.encode("utf-8")[:max(0, n)].decode("utf-8", "ignore")


def _tail_bytes(s, n):
    b = s.encode("utf-8")
    return b[len(b) - max(0, n):].decode("utf-8", "ignore") if n > 0 else ""


def encode_cause(cause):
    """The scripts' `cause` argument: JSON of at most 4 KiB ('' for none), as failure-cause.ts
    encodes it: too long, the logs lose their oldest lines first, then the message its end."""
    if not cause:
        return ""
    c = dict(cause)
    c["message"] = str(c.get("message", ""))
    size = lambda: len(json.dumps(c, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    for _ in range(20):
        over = size() - MAX_CAUSE_BYTES
        if over <= 0:
            break
        if c.get("logs"):
            keep = len(c["logs"].encode("utf-8")) - over - 8
            if keep > 0:
                c["logs"] = "\u2026" + _tail_bytes(c["logs"], keep)
            else:
                del c["logs"]
        else:
            c["message"] = _head_bytes(c["message"], len(c["message"].encode("utf-8")) - over - 8) + "\u2026"
    if size() > MAX_CAUSE_BYTES:
        c = {"kind": c.get("kind"), "message": _head_bytes(c["message"], 1024)}
    return json.dumps(c, ensure_ascii=False, separators=(",", ":"))


class QueueScriptError(Exception):
    """A script's negative code, mapped in one place from the manifest's error table."""

    queue_error = True  # a typed error of the protocol: "known" to error_rule.py

    def __init__(self, script, code, detail, errors):
        self.script, self.code_number, self.detail = script, code, detail
        known = errors.get(code) or {}
        name = known.get("name")
        if known.get("role"):
            self.code = "QUEUE_WRONG_KEY_TYPE"
            msg = 'key "%s" (%s) is not a %s: the script wrote nothing, nothing was lost' % (detail, known["role"], known["type"])
        elif name == "RESULT_COUNT":
            self.code, msg = "QUEUE_RESULT_COUNT", "batch holds %s item(s) but a different result count was given" % detail
        elif name == "TOO_MANY":
            self.code, msg = "QUEUE_TOO_MANY_ITEMS", "%s items in one call; at most 1000" % detail
        elif name == "BAD_ARG":
            self.code, msg = "QUEUE_BAD_ARGUMENT", "bad queue script argument: %s: %s" % (script, detail)
        else:
            self.code, msg = "QUEUE_UNKNOWN_SCRIPT_CODE", "script %s answered unknown code %s" % (script, code)
        super().__init__(msg)


class ScriptNotLoadedError(Exception):
    """Redis does not know a script and this user may not load it (scoped to one task: EVALSHA but
    neither EVAL nor SCRIPT). The hub loads the scripts every cleanup tick, so a later try succeeds."""
    code = "QUEUE_SCRIPT_NOT_LOADED"
    recoverable = True

    def __init__(self, script, waited_s):
        super().__init__("redis does not know the %s script and this user may not load it (waited %ds for the hub to load it)"
                         % (script, round(waited_s)))


def _no_perm(err):
    return isinstance(err, redis.exceptions.NoPermissionError) or str(err).startswith("NOPERM")


class Scripts:
    """Calls scripts by SHA; a NOSCRIPT means it did not run, so it is sent once with EVAL. A user
    scoped to one task may not EVAL: it waits for the hub to load the script and tries EVALSHA again."""

    def __init__(self, directory=None, script_wait_s=30.0):
        directory = directory or scripts_dir()
        self.scripts = load_scripts(directory)
        self.protocol = Protocol(directory)
        self.script_wait_s = script_wait_s
        self.may_not_load = False

    def preload(self, client):
        """SCRIPT LOAD of every script; a user refused SCRIPT skips it (the hub loads them)."""
        for _, src, _ in self.scripts.values():
            try:
                client.script_load(src)
            except redis.exceptions.ResponseError as err:
                if not _no_perm(err):
                    raise
                self.may_not_load = True
                return

    def call(self, client, name, by_role, values):
        """A script by name: KEYS and ARGV built and the reply decoded by the manifest."""
        p = self.protocol
        return p.decode(name, self.run(client, name, p.keys(name, by_role), p.args(name, values)))

    def run(self, client, name, keys, args):
        num, src, sha = self.scripts[name]
        assert len(keys) == num, "%s wants %d keys" % (name, num)
        try:
            reply = client.evalsha(sha, num, *keys, *args)
        except redis.exceptions.NoScriptError:
            reply = self._eval_or_wait(client, name, keys, args)
        if isinstance(reply, list) and reply and isinstance(reply[0], int) and reply[0] < 0:
            raise QueueScriptError(name, reply[0], reply[1] if len(reply) > 1 else None, self.protocol.errors)
        return reply

    def _eval_or_wait(self, client, name, keys, args):
        num, src, sha = self.scripts[name]
        if not self.may_not_load:
            try:
                return client.eval(src, num, *keys, *args)
            except redis.exceptions.ResponseError as err:
                if not _no_perm(err):
                    raise
                self.may_not_load = True
        started, delay = time.monotonic(), 0.2
        while time.monotonic() - started < self.script_wait_s:
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            try:
                return client.evalsha(sha, num, *keys, *args)
            except redis.exceptions.NoScriptError:
                continue
        raise ScriptNotLoadedError(name, time.monotonic() - started)


class WorkerScriptRunner:
    """The worker's script calls and what it does when one fails: wait for Redis, re-send what is
    safe to re-send (an ack by batch key), hand back what is not; anything else goes to `fatal`."""

    def __init__(self, conns, keys, settings, scripts, exactly_once, stop, fatal, log):
        self.conns, self.keys, self.s, self.scripts = conns, keys, settings, scripts
        self.stop, self.fatal, self.log = stop, fatal, log
        self.rule = ErrorRule(log)
        self.roles = {"input": keys.input, "seq": keys.seq, "leases": keys.leases, "taken": keys.taken,
                      "retry": keys.retry, "attempts": keys.attempts, "dead": keys.dead, "stats": keys.stats,
                      "config": keys.config, "causes": keys.causes, "output": settings["output_queue"] if exactly_once else keys.input}

    def cfg(self, name):
        v = self.s["env_config"].get(name)
        return DEFAULTS[name] if v is None else v

    def _script(self, name, values):
        return self.conns.call(self.scripts.call, self.conns.main, name, self.roles, values)

    def take(self, lane, acks, from_retry, count):
        """Acks `acks` and takes up to `count` batches: a list of replies, oldest first. Small batches
        go through take-group (many acks and batches per script run), larger ones through take."""
        if self.s["batch"] < PREFETCH_BELOW_BATCH:
            return self.take_group(lane.prefix, acks, from_retry, count)
        if len(acks) > 1:
            raise ValueError("take: one ack per call at batches of PREFETCH_BELOW_BATCH or more")
        pending = acks[0] if acks else None
        push, n, results = "0", 0, []
        if pending:
            if "results" in pending:
                push, n, results = "1", len(pending["results"]), pending["results"]
            else:
                n = pending["count"]
        r = self._script("take", {
            "prev_batch_key": pending["key"] if pending else "", "push": push, "node_id": self.s["node"],
            "lane_prefix": lane.prefix, "size": self.s["batch"], "from_retry": "1" if from_retry else "0",
            "block_ms": int(round(self.s["block_s"] * 1000)), "lease_s": self.cfg("lease_s"),
            "batch_timeout_s": self.cfg("batch_timeout_s"), "max_attempts": self.cfg("max_attempts"),
            "result_count": n, "results": results})
        if r["ack"] == 2:
            self._log_gone(lane.prefix, 1)
        return [{"ack": r["ack"], "key": r["batch_key"], "items": r["items"], "retry": r["retry_len"],
                 "lease_ms": r["lease_ms"], "source": r["source"]}]

    def take_group(self, lane_prefix, acks, from_retry, count):
        """take-group: acks every batch in `acks` and takes up to `count` batches ('' lane prefix: acks only)."""
        push = bool(acks) and "results" in acks[0]
        if any(("results" in a) != push for a in acks):
            raise ValueError("take-group: every ack gives its results, or none does")
        values = [a["key"] for a in acks]
        values += [len(a["results"]) if push else a["count"] for a in acks]
        if push:
            for a in acks:
                values.extend(a["results"])
        r = self._script("take-group", {
            "push": "1" if push else "0", "node_id": self.s["node"], "lane_prefix": lane_prefix,
            # An ack-only call (no lane) sends size 1 and block 0, as WorkQueue.ackMany does.
            "size": self.s["batch"] if lane_prefix else 1, "batches": count, "from_retry": "1" if from_retry else "0",
            "block_ms": int(round(self.s["block_s"] * 1000)) if lane_prefix else 0, "lease_s": self.cfg("lease_s"),
            "batch_timeout_s": self.cfg("batch_timeout_s"), "max_attempts": self.cfg("max_attempts"),
            "ack_count": len(acks), "acks": values})
        if r["gone"] > 0:
            self._log_gone(lane_prefix, r["gone"])
        return [{"ack": 0, "key": key, "items": items, "retry": r["retry_len"], "lease_ms": r["lease_ms"],
                 "source": r["source"]} for key, items in zip(r["batch_keys"], r["items"])]

    def _log_gone(self, lane_prefix, n):
        lane = lane_prefix.rstrip(":").rsplit(":", 1)[-1] if lane_prefix else "-"
        if n == 1:
            self.log("gridcore-worker: a batch of lane %s was requeued before its ack (lease lapsed); its results were not pushed" % lane)
        else:
            self.log("gridcore-worker: %d batches of lane %s were requeued before their ack (lease lapsed); their results were not pushed" % (n, lane))

    def ack(self, pending):
        results = pending.get("results")
        return self._script("ack", {"batch_key": pending["key"], "push": "1" if results is not None else "0",
                                    "node_id": self.s["node"],
                                    "result_count": len(results) if results is not None else pending["count"],
                                    "results": results or []})["ack"]

    def ack_many(self, acks):
        """One ack alone, or several in take-group runs that take nothing."""
        if len(acks) == 1:
            self.ack(acks[0])
            return
        for i in range(0, len(acks), 1000):
            self.take_group("", acks[i:i + 1000], False, 1)

    def renew(self, key):
        """{"alive": bool, "lease_ms": ms from now} (the LeaseKeeper's renewer)."""
        r = self._script("renew", {"batch_key": key, "lease_s": self.cfg("lease_s"),
                                   "batch_timeout_s": self.cfg("batch_timeout_s")})
        return {"alive": r["alive"] == 1, "lease_ms": r["lease_ms"]}

    def requeue(self, keys, cause=None):
        """With an attempt per item; `cause` ({kind, message, ...}) is recorded per item (P:causes)."""
        return self._script("requeue", {"max_attempts": self.cfg("max_attempts"), "cause": encode_cause(cause),
                                        "batch_keys": list(keys)})

    def hand_back(self, keys):
        return self._script("hand-back", {"batch_keys": list(keys)})

    def return_slot(self, prefix, mode, cause=None):
        encoded = encode_cause(cause) if mode == "requeue" else ""
        for _ in range(100):
            r = self._script("requeue-by-slot", {"slot_prefix": prefix, "mode": mode,
                                                 "max_attempts": self.cfg("max_attempts"), "cause": encoded})
            if r["more"] != 1:
                return

    def ack_only(self, lane, acks):
        try:
            self.ack_many(acks)
        except Exception as err:
            self.recover(lane, err, acks)

    def release(self, lane, keys):
        """Hands keys back (a waiting key nothing moved into, batches the lane will not start)."""
        try:
            for i in range(0, len(keys), 1000):
                self.hand_back(keys[i:i + 1000])
        except Exception as err:
            self.recover(lane, err)

    def retryable(self, err):
        """Whether to retry after err (the shared rule, error_rule.py)."""
        return self.rule.retry(err)

    def succeeded(self):
        self.rule.ok()

    def _give_up(self, err):
        return self.fatal(str(err), err)

    def requeue_failed(self, key, cause=None):
        """Requeue by key (with the failure's cause) is safe to repeat: a second call finds the list gone."""
        while True:
            try:
                self.requeue([key], cause)
                return
            except Exception as err:
                if not self.retryable(err):
                    return self._give_up(err)
                if self.stop.is_set():
                    return
                self.stop.wait(0.2)

    def recover(self, lane, err, acks=None):
        """Wait for Redis, re-send the lane's acks (idempotent by batch key), hand back the rest."""
        if not self.retryable(err):
            return self._give_up(err)
        attempt = 0
        while not self.stop.is_set():
            try:
                if acks:
                    self.ack_many(acks)
                    acks = None
                self.return_slot(lane.prefix, "hand-back")
                return
            except Exception as again:
                if not self.retryable(again):
                    return self._give_up(again)
                self.stop.wait(min(0.1 * 2 ** attempt, 1.0))
                attempt += 1

    def hand_back_all(self, cause=None):
        """Everything this process holds goes back: without an attempt (stop, hang, a known fatal
        error), or with one and `cause` recorded (an unknown error: its items may be what fails)."""
        prefix = self.keys.slot_prefix(self.s["node"], self.s["instance"], self.s["run"])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                self.return_slot(prefix, "requeue" if cause else "hand-back", cause)
                return
            except Exception as err:
                if not is_connection_problem(err):
                    break
                time.sleep(0.2)
        self.log("gridcore-worker: could not %s (redis unreachable); leases will return the items"
                 % ("requeue" if cause else "hand back"))
