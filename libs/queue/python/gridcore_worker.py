"""GridCore worker SDK for Python (redis-py), the twin of libs/queue/src/sdk (TypeScript).

Both load the same Lua scripts (libs/queue/src/scripts, or GRIDCORE_SCRIPTS_DIR), read the same
env (libs/queue/CONTRACT.md), decide the delivery mode the same way and print the same
start-up line. Usage:

    from gridcore_worker import run_worker
    run_worker(lambda items: [f"{n}:{math.sqrt(float(n))}" for n in items], batch=100)

The handler gets a list of str and returns one str per item, in order; raising fails the whole
batch (requeued with an attempt). SIGTERM hands back what the process holds and exits 0; after
input and retry were empty for the idle time it exits 0; a handler still running at
batch_timeout_s makes it exit 1.
"""

import hashlib
import json
import os
import random
import re
import secrets
import signal
import sys
import threading
import time
from urllib.parse import unquote, urlparse, parse_qs

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

DEFAULTS = {"lease_s": 60, "batch_timeout_s": 600, "max_attempts": 3, "batch": 100, "max_batch": 1000,
            "block_s": 5, "idle_exit_s": 30}
CLUSTER_SLOTS = 16384
_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_TRANSIENT = re.compile(r"^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)")


# ---------------------------------------------------------------- keys and the tag rule

def crc16(data):
    """CRC16-CCITT (XMODEM), as Redis Cluster uses for key slots."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def hash_tag(key):
    start = key.find("{")
    if start < 0:
        return None
    end = key.find("}", start + 1)
    if end < 0 or end == start + 1:
        return None
    return key[start + 1:end]


def key_slot(key):
    tag = hash_tag(key)
    return crc16(tag if tag is not None else key) % CLUSTER_SLOTS


class InvalidQueueName(ValueError):
    code = "QUEUE_NAME_INVALID"


def queue_prefix(queue):
    """P for input queue Q: Q when tagged, else {Q}; an untagged Q with a brace is refused."""
    if not queue:
        raise InvalidQueueName('invalid name "": the queue name is empty')
    if hash_tag(queue) is not None:
        return queue
    if "{" in queue or "}" in queue:
        raise InvalidQueueName('invalid name "%s": it has a brace but no hash tag ({tag} with at least one character)' % queue)
    return "{%s}" % queue


class QueueKeys:
    """Every key of one input queue (SPEC §4), as queue-keys.ts builds them."""

    def __init__(self, queue):
        self.prefix = queue_prefix(queue)
        p = self.prefix
        self.input = queue
        self.seq, self.leases, self.taken = p + ":seq", p + ":leases", p + ":taken"
        self.retry, self.attempts, self.dead = p + ":retry", p + ":attempts", p + ":dead"
        self.stats, self.config = p + ":stats", p + ":config"
        self.batch_prefix = p + ":batch:"
        self.slot = key_slot(queue)

    def slot_prefix(self, node, instance, run=None):
        base = "%s%s:%s:" % (self.batch_prefix, node, instance)
        return base if run is None else "%s%s:" % (base, run)

    def lane_prefix(self, node, instance, run, lane):
        return "%s%d:" % (self.slot_prefix(node, instance, run), lane)


# ---------------------------------------------------------------- scripts

def scripts_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.environ.get("GRIDCORE_SCRIPTS_DIR"), os.path.join(here, "scripts"),
              os.path.join(here, "..", "src", "scripts")):
        if d and os.path.exists(os.path.join(d, "take-10.lua")):
            return d
    raise RuntimeError("queue scripts not found; set GRIDCORE_SCRIPTS_DIR")


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


class QueueScriptError(Exception):
    """A script's negative code, mapped in one place from the manifest's error table."""

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


class Scripts:
    """Calls scripts by SHA; a NOSCRIPT means it did not run, so it is sent once with EVAL."""

    def __init__(self, directory=None):
        directory = directory or scripts_dir()
        self.scripts = load_scripts(directory)
        self.protocol = Protocol(directory)

    def preload(self, client):
        for _, src, _ in self.scripts.values():
            client.script_load(src)

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
            reply = client.eval(src, num, *keys, *args)
        if isinstance(reply, list) and reply and isinstance(reply[0], int) and reply[0] < 0:
            raise QueueScriptError(name, reply[0], reply[1] if len(reply) > 1 else None, self.protocol.errors)
        return reply


# ---------------------------------------------------------------- delivery mode

def parse_redis_url(url):
    u = urlparse(url)
    if u.scheme not in ("redis", "rediss"):
        raise ValueError("not a redis:// URL: %s" % u.scheme)
    path = (u.path or "").lstrip("/")
    db = path or (parse_qs(u.query).get("db") or ["0"])[0]
    try:
        db = int(db)
    except ValueError:
        db = 0
    return {"host": (u.hostname or "").lower(), "port": u.port or 6379, "db": db,
            "user": unquote(u.username or "") or "default"}


def decide_delivery_mode(input_url, output_url, input_queue, output_queue, cluster):
    """('exactly-once', None) or ('at-least-once', reason): the rule of delivery-mode.ts."""
    a, b = parse_redis_url(input_url), parse_redis_url(output_url)
    for field in ("host", "port", "db", "user"):
        if a[field] != b[field]:
            return "at-least-once", "different-" + field
    if cluster and key_slot(output_queue) != key_slot(input_queue):
        return "at-least-once", "cross-slot"
    return "exactly-once", None


def _fmt(n):
    n = float(n)
    return str(int(n)) if n.is_integer() else repr(n)


def startup_line(f):
    mode = "mode=exactly-once" if f["mode"][0] == "exactly-once" else "mode=at-least-once reason=%s" % f["mode"][1]
    return ("gridcore-worker task=%s node=%s instance=%s run=%s input=%s output=%s batch=%s concurrency=%s "
            "lease_s=%s batch_timeout_s=%s max_attempts=%s %s") % (
        f["task"], f["node"], f["instance"], f["run"], f["input"], f["output"], _fmt(f["batch"]),
        _fmt(f["concurrency"]), _fmt(f["lease_s"]), _fmt(f["batch_timeout_s"]), _fmt(f["max_attempts"]), mode)


# ---------------------------------------------------------------- connections

def _client(url, name, single=False):
    pool = redis.ConnectionPool.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 0),
                                         retry_on_timeout=False, socket_connect_timeout=5,
                                         socket_keepalive=True, client_name=name)
    return redis.Redis(connection_pool=pool, single_connection_client=single)


def connect(url, name):
    """A connection that never resends a command on its own (no retries); a cluster client
    when the server says cluster_enabled:1 (it still follows redirects)."""
    client = _client(url, name)
    client.ping()
    if client.info("cluster").get("cluster_enabled") == 1:
        from redis.cluster import RedisCluster
        client.close()
        client = RedisCluster.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 0),
                                       retry_on_timeout=False, socket_connect_timeout=5)
        client.gridcore_cluster = True
    return client


def _is_connection_problem(err):
    if isinstance(err, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return True
    if isinstance(err, redis.exceptions.ResponseError):
        return bool(_TRANSIENT.match(str(err)))
    return False


# ---------------------------------------------------------------- settings

class SettingsError(Exception):
    pass


def resolve_settings(env, batch=None, concurrency=None, block_s=None, idle_exit_s=None):
    """The env GridNode injects plus the SDK's own names; env wins over the arguments."""
    problems = []

    def text(name):
        v = (env.get(name) or "").strip()
        return v or None

    def num(name, option, default, lo, hi, integer):
        raw = text(name)
        value = option if raw is None else raw
        if value is None:
            value = default
        try:
            value = float(value)
        except (TypeError, ValueError):
            problems.append("%s=%s must be %s in %s..%s" % (name, raw, "an integer" if integer else "a number", lo, hi))
            return default
        if value < lo or value > hi or (integer and not value.is_integer()):
            problems.append("%s=%s must be %s in %s..%s" % (name, raw if raw is not None else _fmt(value),
                                                             "an integer" if integer else "a number", lo, hi))
            return default
        return int(value) if value.is_integer() else value

    def ident(name, made):
        v = text(name) or made()
        if not _ID.match(v):
            problems.append("%s=%s must match [A-Za-z0-9._-]{1,128}" % (name, v))
        return v

    def optional(name, lo, hi):
        return None if text(name) is None else num(name, None, 1, lo, hi, True)

    input_url, input_queue, output_queue = text("INPUT_REDIS_URL"), text("INPUT_QUEUE"), text("OUTPUT_QUEUE")
    if not input_url:
        problems.append("INPUT_REDIS_URL is not set")
    if not input_queue:
        problems.append("INPUT_QUEUE is not set")
    if not output_queue:
        problems.append("OUTPUT_QUEUE is not set")
    if input_queue:
        try:
            queue_prefix(input_queue)
        except InvalidQueueName as e:
            problems.append("INPUT_QUEUE: %s" % e)
    s = {
        "task": text("TASK_NAME") or "-",
        "node": ident("NODE_ID", lambda: "local-" + secrets.token_hex(6)),
        "instance": ident("INSTANCE_ID", lambda: str(random.randrange(1000000))),
        "run": ident("RUN_ID", lambda: secrets.token_hex(6)),
        "input_url": input_url or "",
        "output_url": text("OUTPUT_REDIS_URL") or input_url or "",
        "input_queue": input_queue or "",
        "output_queue": output_queue or "",
        "batch": num("GRIDCORE_BATCH", batch, DEFAULTS["batch"], 1, DEFAULTS["max_batch"], True),
        "concurrency": num("GRIDCORE_CONCURRENCY", concurrency, 1, 1, 64, True),
        "block_s": num("GRIDCORE_BLOCK_S", block_s, DEFAULTS["block_s"], 0.1, 300, False),
        "idle_exit_s": num("GRIDCORE_IDLE_EXIT_S", idle_exit_s, DEFAULTS["idle_exit_s"], 0, 86400, False),
        "env_config": {"max_attempts": optional("MAX_ATTEMPTS", 1, 1000),
                       "batch_timeout_s": optional("BATCH_TIMEOUT_S", 1, 604800),
                       "lease_s": optional("LEASE_S", 1, 86400)},
    }
    if problems:
        raise SettingsError("gridcore-worker: bad settings: " + "; ".join(problems))
    return s


# ---------------------------------------------------------------- the worker

class _Lane:
    def __init__(self, index, prefix):
        self.index, self.prefix = index, prefix
        self.state = "idle"
        self.blocking_conn = None
        self.blocking_id = None
        self.blocked = False


class Worker:
    """One worker process of SPEC §4; lanes are threads sharing one connection pool for
    take/ack/renew, each with its own connection for BLMOVE."""

    def __init__(self, handler, settings, log=None, out=None):
        self.handler, self.s = handler, settings
        self.log = log or (lambda line: (sys.stderr.write(line + "\n"), sys.stderr.flush()))
        self.out_line = out or (lambda line: (sys.stdout.write(line + "\n"), sys.stdout.flush()))
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.stopping = False
        self.isolation = False
        self.held = {}
        self.lanes = []
        self.last_work = time.monotonic()
        self.exit_code = None
        self.exit_event = threading.Event()
        self.lost = False
        self.control = None
        self.roles = None

    # -- redis calls with the one-line connection messages
    def _call(self, fn, *args):
        try:
            result = fn(*args)
        except Exception as err:
            if _is_connection_problem(err) and not self.lost:
                self.lost = True
                self.log("gridcore: lost connection to redis %s (%s); reconnecting" % (self.where, str(err).split("\n")[0]))
            raise
        if self.lost:
            self.lost = False
            self.log("gridcore: reconnected to redis %s" % self.where)
        return result

    def _script(self, name, values):
        return self._call(self.scripts.call, self.main, name, self._roles(), values)

    def _roles(self):
        if self.roles is None:
            k = self.keys
            self.roles = {"input": k.input, "seq": k.seq, "leases": k.leases, "taken": k.taken, "retry": k.retry,
                          "attempts": k.attempts, "dead": k.dead, "stats": k.stats, "config": k.config,
                          "output": self.s["output_queue"] if self.exactly_once else k.input}
        return self.roles

    def _cfg(self, name):
        v = self.s["env_config"].get(name)
        return DEFAULTS[name] if v is None else v

    def take(self, lane, pending, from_retry):
        push, count, results = "0", 0, []
        if pending:
            if "results" in pending:
                push, count, results = "1", len(pending["results"]), pending["results"]
            else:
                count = pending["count"]
        r = self._script("take", {
            "prev_batch_key": pending["key"] if pending else "", "push": push, "node_id": self.s["node"],
            "lane_prefix": lane.prefix, "size": self.s["batch"], "from_retry": "1" if from_retry else "0",
            "block_ms": int(round(self.s["block_s"] * 1000)), "lease_s": self._cfg("lease_s"),
            "batch_timeout_s": self._cfg("batch_timeout_s"), "max_attempts": self._cfg("max_attempts"),
            "result_count": count, "results": results})
        return {"ack": r["ack"], "key": r["batch_key"], "items": r["items"], "retry": r["retry_len"],
                "lease_ms": r["lease_ms"], "source": r["source"]}

    def ack(self, pending):
        results = pending.get("results")
        return self._script("ack", {"batch_key": pending["key"], "push": "1" if results is not None else "0",
                                    "node_id": self.s["node"],
                                    "result_count": len(results) if results is not None else pending["count"],
                                    "results": results or []})["ack"]

    def renew(self, key):
        r = self._script("renew", {"batch_key": key, "lease_s": self._cfg("lease_s"),
                                   "batch_timeout_s": self._cfg("batch_timeout_s")})
        return r["alive"] == 1

    def requeue(self, keys):
        return self._script("requeue", {"max_attempts": self._cfg("max_attempts"), "batch_keys": list(keys)})

    def hand_back(self, keys):
        return self._script("hand-back", {"batch_keys": list(keys)})

    def return_slot(self, prefix, mode):
        for _ in range(100):
            r = self._script("requeue-by-slot", {"slot_prefix": prefix, "mode": mode,
                                                 "max_attempts": self._cfg("max_attempts")})
            if r["more"] != 1:
                return

    # -- start
    def run(self):
        s = self.s
        self.where = "%(host)s:%(port)s/%(db)s" % parse_redis_url(s["input_url"])
        self.main = connect(s["input_url"], "gridcore-worker:%s:%s" % (s["node"], s["instance"]))
        self.cluster = getattr(self.main, "gridcore_cluster", False)
        self.mode = decide_delivery_mode(s["input_url"], s["output_url"], s["input_queue"], s["output_queue"], self.cluster)
        self.exactly_once = self.mode[0] == "exactly-once"
        self.out = None if self.exactly_once else connect(s["output_url"], "gridcore-worker-output")
        self.keys = QueueKeys(s["input_queue"])
        self.scripts = Scripts()
        self.scripts.preload(self.main)
        cfg = self.main.hmget(self.keys.config, "lease_s", "batch_timeout_s", "max_attempts")
        for i, name in enumerate(("lease_s", "batch_timeout_s", "max_attempts")):
            try:
                v = float(cfg[i]) if cfg[i] is not None else 0
            except ValueError:
                v = 0
            if v > 0:
                s["env_config"][name] = int(v) if v.is_integer() else v
        self.lease_s, self.batch_timeout_s = self._cfg("lease_s"), self._cfg("batch_timeout_s")
        self.out_line(startup_line({"task": s["task"], "node": s["node"], "instance": s["instance"], "run": s["run"],
                                    "input": s["input_queue"], "output": s["output_queue"], "batch": s["batch"],
                                    "concurrency": s["concurrency"], "lease_s": self.lease_s,
                                    "batch_timeout_s": self.batch_timeout_s,
                                    "max_attempts": self._cfg("max_attempts"), "mode": self.mode}))
        for i in range(s["concurrency"]):
            lane = _Lane(i, self.keys.lane_prefix(s["node"], s["instance"], s["run"], i))
            self.lanes.append(lane)
        self.last_work = time.monotonic()
        for lane in self.lanes:
            threading.Thread(target=self._lane_main, args=(lane,), daemon=True).start()
        renew_every = max(0.1, self.lease_s / 3.0)
        next_renew = time.monotonic() + renew_every
        while not self.exit_event.wait(0.05):
            now = time.monotonic()
            with self.lock:
                held = list(self.held.items())
            for key, started in held:
                if now - started >= self.batch_timeout_s:
                    self._hung(key)
            if now >= next_renew:
                next_renew = now + renew_every
                for key, _ in held:
                    try:
                        self.renew(key)
                    except Exception:
                        pass
        return self.exit_code

    def stop(self, reason="SIGTERM"):
        threading.Thread(target=self._shutdown, args=(0, reason), daemon=True).start()

    # -- lanes
    def _lane_main(self, lane):
        try:
            self._lane_loop(lane)
        except Exception as err:  # a bug: stop loudly
            self._fatal("lane %d stopped: %r" % (lane.index, err))

    def _lane_loop(self, lane):
        pending = None
        while True:
            if self.stopping:
                if pending:
                    self._ack_only(lane, pending)
                lane.state = "done"
                return
            if self.isolation and lane.index != 0:
                if pending:
                    self._ack_only(lane, pending)
                    pending = None
                with self.cond:
                    lane.state = "parked"
                    while self.isolation and not self.stopping:
                        self.cond.wait(0.5)
                    lane.state = "idle"
                continue
            from_retry = self.isolation and lane.index == 0
            if from_retry:
                while (not self.stopping and self.isolation and
                       any(l.index != 0 and l.state not in ("parked", "done") for l in self.lanes)):
                    time.sleep(0.02)
                if self.stopping or not self.isolation:
                    continue
            lane.state = "taking"
            try:
                r = self.take(lane, pending, from_retry)
            except Exception as err:
                unacked, pending = pending, None
                self._recover(lane, err, unacked)
                continue
            pending = None
            lane.state = "idle"
            if r["ack"] == 2:
                self.log("gridcore-worker: a batch of lane %d was requeued before its ack (lease lapsed); its results were not pushed" % lane.index)
            if self.stopping:
                continue
            if from_retry and r["source"] != "retry":
                self._end_isolation()
            elif not self.isolation and r["retry"] > 0:
                self._enter_isolation()
            items = r["items"]
            if r["source"] == "wait":
                got = self._wait_for_item(lane, r["key"], r["lease_ms"], r["retry"])
                if got is None:
                    continue
                items = [got]
            self.last_work = time.monotonic()
            pending = self._handle(lane, r["key"], items, r["source"] == "retry")

    def _wait_for_item(self, lane, key, lease_ms, retry_len):
        block_ms = int(round(self.s["block_s"] * 1000))
        enough = lease_ms >= block_ms + 5000
        if self.isolation or retry_len > 0 or not enough:
            self._release(lane, key)
            if not enough and not self.isolation:
                self._idle_tick(min(block_ms, 1000) / 1000.0)
            return None
        lane.state = "blocked"
        try:
            if lane.blocking_conn is None:
                lane.blocking_conn = self._owner_client("gridcore-worker-block-%d" % lane.index)
            conn = lane.blocking_conn
            lane.blocking_id = conn.client_id()
            lane.blocked = True
            if self.stopping or self.isolation:
                item = None
            else:
                item = conn.blmove(self.s["input_queue"], key, self.s["block_s"], "RIGHT", "LEFT")
        except Exception as err:
            lane.blocked = False
            lane.state = "idle"
            # A lost BLMOVE reply may have moved an item after all: hand the key back, never ack it.
            self._recover(lane, err)
            return None
        lane.blocked = False
        lane.state = "idle"
        if item is None:
            self._release(lane, key)
            self._idle_tick(0)
            return None
        if self.stopping:
            return None
        try:
            return item if self.renew(key) else None
        except Exception as err:
            self._recover(lane, err)
            return None

    def _idle_tick(self, sleep_s):
        if self.stopping or self.isolation:
            return
        if time.monotonic() - self.last_work >= self.s["idle_exit_s"]:
            threading.Thread(target=self._shutdown, args=(0, "idle for %ss" % _fmt(self.s["idle_exit_s"])), daemon=True).start()
            return
        if sleep_s > 0:
            time.sleep(sleep_s)

    def _release(self, lane, key):
        try:
            self.hand_back([key])
        except Exception as err:
            self._recover(lane, err)

    def _handle(self, lane, key, items, retried):
        lane.state = "handler"
        with self.lock:
            self.held[key] = time.monotonic()
        try:
            results = self.handler(items)
            if not isinstance(results, (list, tuple)) or len(results) != len(items):
                raise ValueError("handler returned %s result(s) for %d item(s)" % (
                    len(results) if isinstance(results, (list, tuple)) else type(results).__name__, len(items)))
            for i, res in enumerate(results):
                if not isinstance(res, str):
                    raise ValueError("handler result %d is a %s, not a str" % (i, type(res).__name__))
        except Exception as err:
            with self.lock:
                self.held.pop(key, None)
            lane.state = "idle"
            self.log("gridcore-worker: handler failed on %d item(s) (%s); batch requeued with an attempt" % (len(items), err))
            self._requeue_failed(key)
            if not self.stopping:
                self._enter_isolation()
            return None
        with self.lock:
            self.held.pop(key, None)
        lane.state = "idle"
        results = list(results)
        if self.exactly_once:
            return {"key": key, "results": results}
        while True:
            try:
                if results:
                    self.out.lpush(self.s["output_queue"], *results)
                break
            except Exception as err:
                if not _is_connection_problem(err):
                    self._fatal("cannot push results to output list %s: %s" % (self.s["output_queue"], err))
                    return None
                if self.stopping:
                    return None
                time.sleep(0.2)
        return {"key": key, "count": len(results)}

    def _requeue_failed(self, key):
        while True:
            try:
                self.requeue([key])
                return
            except Exception as err:
                if not _is_connection_problem(err):
                    return self._fatal(str(err))
                if self.stopping:
                    return
                time.sleep(0.2)

    def _ack_only(self, lane, pending):
        try:
            self.ack(pending)
        except Exception as err:
            self._recover(lane, err, pending)

    def _recover(self, lane, err, pending=None):
        """Wait for Redis, re-send the lane's ack (idempotent by batch key), hand back the rest."""
        if not _is_connection_problem(err):
            return self._fatal(str(err))
        attempt = 0
        while not self.stopping:
            try:
                if pending:
                    self.ack(pending)
                    pending = None
                self.return_slot(lane.prefix, "hand-back")
                return
            except Exception as again:
                if not _is_connection_problem(again):
                    return self._fatal(str(again))
                time.sleep(min(0.1 * 2 ** attempt, 1.0))
                attempt += 1

    def _enter_isolation(self):
        with self.cond:
            if self.isolation:
                return
            self.isolation = True
        self._unblock_all()

    def _end_isolation(self):
        with self.cond:
            self.isolation = False
            self.cond.notify_all()

    def _owner_client(self, name):
        """A single connection to the server holding the input queue: the URL's server, or on a
        cluster the master owning Q's slot (BLMOVE and CLIENT UNBLOCK must go there)."""
        if not self.cluster:
            return _client(self.s["input_url"], name, single=True)
        node = self.main.get_node_from_key(self.s["input_queue"])
        u = urlparse(self.s["input_url"])
        netloc = u.netloc.rsplit("@", 1)[0] + "@" if "@" in u.netloc else ""
        return _client("%s://%s%s:%s" % (u.scheme, netloc, node.host, node.port), name, single=True)

    def _unblock_all(self):
        """Ends pending BLMOVEs with CLIENT UNBLOCK (one not yet blocking is tried again)."""
        deadline = time.monotonic() + self.s["block_s"] + 2
        if self.cluster and self.control is None:
            try:
                self.control = self._owner_client("gridcore-worker-control")
            except Exception:
                pass
        control = self.control or self.main
        for lane in self.lanes:
            while lane.blocked and time.monotonic() < deadline:
                try:
                    if lane.blocking_id is not None:
                        control.client_unblock(lane.blocking_id)
                except Exception:
                    pass
                time.sleep(0.05)

    def _shutdown(self, code, reason):
        with self.cond:
            if self.stopping:
                return
            self.stopping = True
            self.isolation = False
            self.cond.notify_all()
        self.log("gridcore-worker: stopping (%s); handing back what this process holds" % reason)
        self._unblock_all()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(l.state not in ("done", "handler") for l in self.lanes):
            time.sleep(0.01)
        self._hand_back_all()
        self._finish(code)

    def _hand_back_all(self):
        prefix = self.keys.slot_prefix(self.s["node"], self.s["instance"], self.s["run"])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                self.return_slot(prefix, "hand-back")
                return
            except Exception as err:
                if not _is_connection_problem(err):
                    break
                time.sleep(0.2)
        self.log("gridcore-worker: could not hand back (redis unreachable); leases will return the items")

    def _hung(self, key):
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
        self.log("gridcore-worker: a handler is still running after batch_timeout_s=%s; requeuing its batch and exiting 1" % _fmt(self.batch_timeout_s))
        try:
            self.requeue([key])
        except Exception:
            pass
        self._hand_back_all()
        self._finish(1)

    def _fatal(self, message):
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
        self.log("gridcore-worker: %s" % message)
        self._hand_back_all()
        self._finish(1)

    def _finish(self, code):
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
