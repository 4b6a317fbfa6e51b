"""The reference workload as a GridCore worker in Python: item `n`, result `n:sqrt(n)`.

Runs with /usr/bin/python3 and Debian's python3-redis; reads the env GridNode injects
(libs/queue/CONTRACT.md). In an image, copy the package libs/queue/python/gridcore_worker beside this file
and libs/queue/src/scripts to /app/scripts (or set GRIDCORE_SCRIPTS_DIR).
"""
import math
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(here, "..", "..", "libs", "queue", "python")]
from gridcore_worker import run_worker  # noqa: E402


def sqrt_batch(items):
    return ["%s:%s" % (n, math.sqrt(float(n))) for n in items]


run_worker(sqrt_batch, batch=100, concurrency=1)
