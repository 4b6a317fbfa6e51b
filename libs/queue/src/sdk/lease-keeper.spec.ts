import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { LeaseKeeper, LeaseRenewer } from './lease-keeper';

/** A renewer answering from a script of replies (an Error rejects). */
function renewer(replies: ({ alive: boolean; leaseMs: number } | Error)[]): LeaseRenewer & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    renew: async (key: string) => {
      calls.push(key);
      const next = replies.shift();
      if (!next) throw new Error('no more replies');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('LeaseKeeper', () => {
  let now: number;
  let lines: string[];
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
    lines = [];
  });

  it('keeps a batch whose renewals succeed: its ack counts', async () => {
    const r = renewer([{ alive: true, leaseMs: 60_000 }, { alive: true, leaseMs: 60_000 }]);
    const keeper = new LeaseKeeper(r, 60, (l) => lines.push(l), clock);
    keeper.hold('b1', 0, 60_000);
    now += 50_000;
    await keeper.renewAll();
    now += 50_000;
    await keeper.renewAll();
    now += 50_000;
    expect(keeper.release('b1')).toBeUndefined();
    expect(r.calls).toEqual(['b1', 'b1']);
    expect(lines).toEqual([]);
  });

  it('reports a renewal answering alive: false as a lost lease, and the batch ack does not count', async () => {
    const keeper = new LeaseKeeper(renewer([{ alive: false, leaseMs: 0 }, { alive: true, leaseMs: 60_000 }]), 60, (l) => lines.push(l), clock);
    keeper.hold('b1', 2, 60_000);
    keeper.hold('b2', 3, 60_000);
    await keeper.renewAll();
    expect(lines).toEqual([expect.stringMatching(/lease of batch b1 \(lane 2\) was lost: the batch was requeued/)]);
    expect(keeper.release('b1')).toEqual({ batchKey: 'b1', reason: 'gone' });
    expect(keeper.release('b2')).toBeUndefined();
  });

  it('reports failed renewals once, and a lease that lapsed with no success since as lost', async () => {
    const down = new Error('connection closed');
    const keeper = new LeaseKeeper(renewer([down, down, down]), 60, (l) => lines.push(l), clock);
    keeper.hold('b1', 0, 60_000);
    for (let i = 0; i < 3; i++) {
      now += 20_000;
      await keeper.renewAll();
    }
    expect(lines).toEqual(['gridcore-worker: renewing the lease of batch b1 failed (connection closed); retrying']);
    expect(keeper.release('b1')).toEqual({ batchKey: 'b1', reason: 'expired' });
    expect(lines[1]).toMatch(/lease of batch b1 lapsed .*does not count/);
  });

  it('a renewal that lands after failures, before the deadline, keeps the lease', async () => {
    const keeper = new LeaseKeeper(renewer([new Error('timeout'), { alive: true, leaseMs: 60_000 }]), 60, (l) => lines.push(l), clock);
    keeper.hold('b1', 0, 60_000);
    now += 20_000;
    await keeper.renewAll();
    now += 20_000;
    await keeper.renewAll();
    now += 50_000;
    expect(keeper.release('b1')).toBeUndefined();
  });

  it('a finished handler whose local deadline passed asks Redis once: a lease the node kept while the container was frozen still counts', async () => {
    const r = renewer([{ alive: true, leaseMs: 5_000 }]);
    const keeper = new LeaseKeeper(r, 5, (l) => lines.push(l), clock);
    keeper.hold('b1', 0, 5_000);
    now += 8_000; // frozen: no renewal of its own ran
    expect(await keeper.finished('b1')).toBeUndefined();
    expect(r.calls).toEqual(['b1']);
    expect(lines).toEqual([]);
    expect(keeper.drop('b1')).toBe(true); // still kept until its ack goes out
  });

  it('a finished handler whose local deadline passed and whose batch is gone, or Redis unreachable, does not count', async () => {
    const keeper = new LeaseKeeper(renewer([{ alive: false, leaseMs: 0 }, new Error('connection closed')]), 5, (l) => lines.push(l), clock);
    keeper.hold('gone', 0, 5_000);
    keeper.hold('down', 1, 5_000);
    now += 8_000;
    expect(await keeper.finished('gone')).toEqual({ batchKey: 'gone', reason: 'gone' });
    expect(await keeper.finished('down')).toEqual({ batchKey: 'down', reason: 'expired' });
    expect(keeper.drop('gone') || keeper.drop('down')).toBe(false);
  });

  it('a finished handler within its deadline sends no extra renewal', async () => {
    const r = renewer([]);
    const keeper = new LeaseKeeper(r, 60, (l) => lines.push(l), clock);
    keeper.hold('b1', 0, 60_000);
    now += 10_000;
    expect(await keeper.finished('b1')).toBeUndefined();
    expect(r.calls).toEqual([]);
  });

  it('renews on its own every lease_s / 3 once started, and not after stop', async () => {
    jest.useFakeTimers();
    try {
      const r = renewer([{ alive: true, leaseMs: 3000 }, { alive: true, leaseMs: 3000 }, { alive: true, leaseMs: 3000 }]);
      const keeper = new LeaseKeeper(r, 3, () => undefined);
      keeper.hold('b1', 0, 3000);
      keeper.start();
      await jest.advanceTimersByTimeAsync(2100);
      expect(r.calls).toEqual(['b1', 'b1']);
      keeper.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(r.calls).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('the Python SDK LeaseKeeper (gridcore_worker/lease_keeper.py), the same cases', () => {
  it('reports alive: false and lapsed leases as lost, keeps a renewed one', () => {
    const program = `
import json, sys
sys.path.insert(0, ${JSON.stringify(resolve(__dirname, '..', '..', 'python'))})
from gridcore_worker.lease_keeper import LeaseKeeper
clock = [1000.0]
replies = {"gone": [{"alive": False, "lease_ms": 0}], "kept": [{"alive": True, "lease_ms": 60000}] * 3,
           "down": [RuntimeError("connection closed")] * 3}
class Renewer:
    def renew(self, key):
        r = replies[key].pop(0)
        if isinstance(r, Exception):
            raise r
        return r
lines = []
k = LeaseKeeper(Renewer(), 60, lines.append, now=lambda: clock[0])
for key in ("gone", "kept", "down"):
    k.hold(key, 1, 60000)
for _ in range(3):
    clock[0] += 20
    k.renew_all()
print(json.dumps({"lost": {key: k.release(key) for key in ("gone", "kept", "down")}, "lines": lines}))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.lost).toEqual({ gone: { key: 'gone', reason: 'gone' }, kept: null, down: { key: 'down', reason: 'expired' } });
    expect(got.lines).toEqual([
      expect.stringMatching(/lease of batch gone \(lane 1\) was lost/),
      'gridcore-worker: renewing the lease of batch down failed (connection closed); retrying',
      expect.stringMatching(/lease of batch down lapsed/),
    ]);
  });

  it('asks Redis once when a handler finishes past its local deadline (a frozen container): kept, gone or unreachable', () => {
    const program = `
import json, sys
sys.path.insert(0, ${JSON.stringify(resolve(__dirname, '..', '..', 'python'))})
from gridcore_worker.lease_keeper import LeaseKeeper
clock = [1000.0]
replies = {"kept": [{"alive": True, "lease_ms": 5000}], "gone": [{"alive": False, "lease_ms": 0}], "down": [RuntimeError("connection closed")]}
calls = []
class Renewer:
    def renew(self, key):
        calls.append(key)
        r = replies[key].pop(0)
        if isinstance(r, Exception):
            raise r
        return r
k = LeaseKeeper(Renewer(), 5, lambda line: None, now=lambda: clock[0])
for key in ("kept", "gone", "down"):
    k.hold(key, 0, 5000)
clock[0] += 8
print(json.dumps({"lost": {key: k.finished(key) for key in ("kept", "gone", "down")}, "calls": calls, "kept_held": k.drop("kept")}))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.lost).toEqual({ kept: null, gone: { key: 'gone', reason: 'gone' }, down: { key: 'down', reason: 'expired' } });
    expect(got.calls).toEqual(['kept', 'gone', 'down']);
    expect(got.kept_held).toBe(true);
  });
});
