"""The conformance suite's Python worker: the twin of test-worker.ts (same env switches).

It imports the SDK as an installed package would be imported: the suite puts libs/queue/python on
PYTHONPATH for the sources, and the installed-package image has the wheel installed."""
import math
import os
import time

from gridcore_worker import run_worker

POISON = os.environ.get("TEST_POISON")
HANG = os.environ.get("TEST_HANG")
DELAY_S = float(os.environ.get("TEST_DELAY_MS", "0")) / 1000.0


def handler(items):
    if HANG and HANG in items:
        while True:
            time.sleep(1)
    if POISON and POISON in items:
        raise RuntimeError("poison item %s" % POISON)
    if DELAY_S > 0:
        time.sleep(DELAY_S)
    return ["%s:%s" % (n, math.sqrt(float(n))) for n in items]


run_worker(handler)
