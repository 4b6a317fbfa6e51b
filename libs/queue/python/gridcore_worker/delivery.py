"""The delivery mode and the start-up line (the twin of delivery-mode.ts)."""

from urllib.parse import parse_qs, unquote, urlparse

from .keys import key_slot
from .settings import fmt_number


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


def startup_line(f):
    mode = "mode=exactly-once" if f["mode"][0] == "exactly-once" else "mode=at-least-once reason=%s" % f["mode"][1]
    return ("gridcore-worker task=%s node=%s instance=%s run=%s input=%s output=%s batch=%s concurrency=%s "
            "lease_s=%s batch_timeout_s=%s max_attempts=%s %s") % (
        f["task"], f["node"], f["instance"], f["run"], f["input"], f["output"], fmt_number(f["batch"]),
        fmt_number(f["concurrency"]), fmt_number(f["lease_s"]), fmt_number(f["batch_timeout_s"]), fmt_number(f["max_attempts"]), mode)
