"""The reference workload as a GridCore worker in Python: item `n`, result `n:sqrt(n)`.

Reads the env GridNode injects (libs/queue/CONTRACT.md). Needs the SDK installed: the wheel of
`npm run pack:sdk` (`pip install dist/packages/gridcore_worker-*.whl`, as ./Dockerfile does) or
`pip install ./libs/queue/python`.
"""
import math

from gridcore_worker import run_worker


def sqrt_batch(items):
    return ["%s:%s" % (n, math.sqrt(float(n))) for n in items]


run_worker(sqrt_batch, batch=100, concurrency=1)
