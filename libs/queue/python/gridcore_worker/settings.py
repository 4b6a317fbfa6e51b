"""The worker's settings from env and arguments (the twin of sdk/settings.ts; CONTRACT.md lists the names)."""

import random
import re
import secrets
import ssl

from .keys import InvalidQueueName, queue_prefix

DEFAULTS = {"lease_s": 60, "batch_timeout_s": 600, "max_attempts": 3, "batch": 100, "max_batch": 1000,
            "block_s": 5, "idle_exit_s": 30}
_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def fmt_number(n):
    n = float(n)
    return str(int(n)) if n.is_integer() else repr(n)


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
            problems.append("%s=%s must be %s in %s..%s" % (name, raw if raw is not None else fmt_number(value),
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
    tls_ca = text("REDIS_TLS_CA")
    if tls_ca and not _is_pem_certificate(tls_ca):
        problems.append("REDIS_TLS_CA is not a PEM certificate")
    s = {
        "task": text("TASK_NAME") or "-",
        "node": ident("NODE_ID", lambda: "local-" + secrets.token_hex(6)),
        "instance": ident("INSTANCE_ID", lambda: str(random.randrange(1000000))),
        "run": ident("RUN_ID", lambda: secrets.token_hex(6)),
        "input_url": input_url or "",
        "output_url": text("OUTPUT_REDIS_URL") or input_url or "",
        "input_queue": input_queue or "",
        "output_queue": output_queue or "",
        "tls_ca": tls_ca,
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


def _is_pem_certificate(text):
    match = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", text, re.S)
    if not match:
        return False
    try:
        ssl.PEM_cert_to_DER_cert("-----BEGIN CERTIFICATE-----%s-----END CERTIFICATE-----" % match.group(1))
        return True
    except ValueError:
        return False
