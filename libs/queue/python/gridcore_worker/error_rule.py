"""The one rule both SDKs follow for an error of a Redis call (the twin of sdk/error-rule.ts;
CONTRACT.md "Worker errors"):

- connection: the connection is gone or timed out: retried until it is back;
- transient: LOADING, BUSY, READONLY, TRYAGAIN, MASTERDOWN, CLUSTERDOWN: retried, with a log line;
- briefly: NOAUTH/WRONGPASS or NOSCRIPT (the hub re-creating a scoped user, reloading the
  scripts): retried for GRACE_S in a row, then fatal;
- known: a typed error of the protocol (a key of the wrong type, ...): fatal, held batches
  handed back;
- unknown: anything else: logged with its message, the worker exits 1, its batches requeued
  with an attempt and this error as their cause."""

import re
import time

import redis

GRACE_S = 30.0

_TRANSIENT = re.compile(r"^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|UNBLOCKED)\b")
_BRIEF = re.compile(r"^(NOAUTH|WRONGPASS|NOSCRIPT)\b")


def classify_error(err):
    """'connection' | 'transient' | 'briefly' | 'known' | 'unknown'."""
    if getattr(err, "recoverable", False):
        return "briefly"
    if getattr(err, "queue_error", False):
        return "known"
    message = str(err)
    ex = redis.exceptions
    # redis-py turns some reply codes into classes and strips the code from the message.
    transient = tuple(getattr(ex, n) for n in ("BusyLoadingError", "ReadOnlyError", "TryAgainError", "ClusterDownError",
                                               "MasterDownError") if hasattr(ex, n))
    if isinstance(err, transient):
        return "transient"
    if isinstance(err, (ex.NoScriptError, ex.AuthenticationError)):
        return "briefly"
    if isinstance(err, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return "connection"
    if isinstance(err, redis.exceptions.ResponseError):
        if _TRANSIENT.match(message):
            return "transient"
        if _BRIEF.match(message):
            return "briefly"
        return "unknown"
    if isinstance(err, (ConnectionError, TimeoutError)):
        return "connection"
    return "unknown"


def _reply_text(err):
    """The reply as Redis sent it, its code first (redis-py strips the code of the ones it maps)."""
    text = str(err).split("\n")[0]
    ex = redis.exceptions
    for name, code in (("BusyLoadingError", "LOADING"), ("ReadOnlyError", "READONLY"), ("NoScriptError", "NOSCRIPT"),
                       ("MasterDownError", "MASTERDOWN"), ("ClusterDownError", "CLUSTERDOWN"), ("TryAgainError", "TRYAGAIN")):
        cls = getattr(ex, name, None)
        if cls is not None and isinstance(err, cls) and not text.startswith(code):
            return "%s %s" % (code, text)
    return text


def requeues_on_fatal(err):
    """Whether a fatal error requeues the worker's batches with an attempt (unknown) or hands them back."""
    return err is not None and classify_error(err) in ("unknown", "briefly")


class ErrorRule:
    """Applies the rule over time: retry(err) answers whether to try again, logging one line when a
    transient or brief reply starts, giving up on a brief one that lasted GRACE_S; ok() ends it."""

    def __init__(self, log, grace_s=GRACE_S, clock=time.monotonic):
        self.log, self.grace_s, self.clock = log, grace_s, clock
        self.brief_since = None
        self.last_logged = None

    def retry(self, err):
        kind = classify_error(err)
        if kind == "connection":
            return True
        if kind in ("transient", "briefly"):
            first_line = _reply_text(err)
            head = first_line.split(" ")[0]
            if self.last_logged != head:
                self.last_logged = head
                self.log("gridcore-worker: redis answered %s; retrying" % first_line)
            if kind == "transient":
                return True
            if self.brief_since is None:
                self.brief_since = self.clock()
            return self.clock() - self.brief_since < self.grace_s
        return False

    def ok(self):
        self.brief_since = None
        self.last_logged = None
