"""GridCore worker SDK for Python (redis-py), the twin of libs/queue/src/sdk (TypeScript), split
along the same seams: lanes, lease_keeper, connections, output_writer, settings, script_runner
(plus keys, delivery, hung_watchdog, stop_signal and worker, which ties them together).

Both load the same Lua scripts (package data: scripts/, or GRIDCORE_SCRIPTS_DIR), read the same
env (libs/queue/CONTRACT.md), decide the delivery mode the same way and print the same
start-up line. Usage:

    from gridcore_worker import run_worker
    run_worker(lambda items: [f"{n}:{math.sqrt(float(n))}" for n in items], batch=100)

The handler gets a list of str and returns one str per item, in order; raising fails the whole
batch (requeued with an attempt). SIGTERM hands back what the process holds and exits 0; after
input and retry were empty for the idle time it exits 0; a handler still running at
batch_timeout_s makes it exit 1.
"""

from .connections import connect, is_connection_problem
from .delivery import decide_delivery_mode, parse_redis_url, startup_line
from .keys import CLUSTER_SLOTS, InvalidQueueName, QueueKeys, crc16, hash_tag, key_slot, queue_prefix
from .lease_keeper import LeaseKeeper
from .script_runner import Protocol, QueueScriptError, Scripts, WorkerScriptRunner, load_scripts, scripts_dir
from .settings import DEFAULTS, SettingsError, resolve_settings
from .worker import Worker, run_worker

__all__ = ["CLUSTER_SLOTS", "DEFAULTS", "InvalidQueueName", "LeaseKeeper", "Protocol", "QueueKeys", "QueueScriptError",
           "Scripts", "SettingsError", "Worker", "WorkerScriptRunner", "connect", "crc16", "decide_delivery_mode",
           "hash_tag", "is_connection_problem", "key_slot", "load_scripts", "parse_redis_url", "queue_prefix",
           "resolve_settings", "run_worker", "scripts_dir", "startup_line"]
