import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TakeReply, TakeRequest } from '../work-queue';
import { GroupPace, GROUP_BUDGET_MS, GROUP_MAX_ITEMS, Lane, Lanes, LaneTaker, LaneTakes, LeaseHolder, PREFETCH_BELOW_BATCH } from './lanes';

type Ack = NonNullable<TakeRequest['ack']>;

/** A taker whose takes stay pending until the test answers them (one reply or a group), oldest first. */
function taker() {
  const sent: { ack: Ack | undefined; acks: Ack[]; fromRetry: boolean; count: number; answer: (r: TakeReply | TakeReply[]) => void; fail: (e: Error) => void }[] = [];
  const released: string[] = [];
  let seq = 0;
  const port: LaneTaker = {
    take: (_lane, acks, fromRetry, count) =>
      new Promise<TakeReply[]>((answer, fail) =>
        sent.push({ ack: acks[0], acks, fromRetry, count, answer: (r) => answer(Array.isArray(r) ? r : [r]), fail }),
      ),
    release: async (_lane, keys) => void released.push(...keys),
  };
  const reply = (items: string[], source: TakeReply['source'] = items.length > 0 ? 'input' : 'wait'): TakeReply => ({
    ack: 'none', batchKey: `b${++seq}`, items, retryLength: 0, leaseMs: 60_000, source, healed: 0,
  });
  return { port, sent, released, reply };
}

function holder(): LeaseHolder & { held: Map<string, number> } {
  const held = new Map<string, number>();
  return { held, hold: (key, _lane, leaseMs) => void held.set(key, leaseMs), drop: (key) => held.delete(key) };
}

const flush = () => new Promise((r) => setImmediate(r));
const lane = (): Lane => ({ index: 0, prefix: 'P:batch:n:i:r:0:', state: 'idle' });

describe('LaneTakes (the prefetch of one lane)', () => {
  it('at batch 1, once full batches flow, the next take is out while a batch is handled, two while the lane waits', async () => {
    const t = taker();
    const takes = new LaneTakes(lane(), t.port, holder(), 1);
    takes.fill([], false);
    expect(t.sent).toHaveLength(1);
    t.sent[0].answer(t.reply(['1']));
    const first = await takes.next();
    expect('reply' in first && first.reply.items).toEqual(['1']);
    // b1 is about to be handled: the take of b2 is out already (no ack: b1 is not done).
    expect(takes.size).toBe(1);
    // The handler ran on b1; its ack rides on the take after b2's.
    takes.fill([{ batchKey: 'b1', results: ['1:1'] }], false);
    expect(t.sent.map((s) => s.ack?.batchKey)).toEqual([undefined, undefined, 'b1']);
    expect(takes.size).toBe(2);
    t.sent[1].answer(t.reply(['2']));
    expect(await takes.next()).toMatchObject({ reply: { batchKey: 'b2' } });
    // One take (b1's ack) still out while b2 is handled: never a third.
    expect(takes.size).toBe(1);
  });

  it('holds a batch lease from the moment its reply arrives, before the lane reads it', async () => {
    const t = taker();
    const leases = holder();
    const takes = new LaneTakes(lane(), t.port, leases, 1);
    takes.fill([], false);
    t.sent[0].answer(t.reply(['7']));
    await flush();
    expect([...leases.held]).toEqual([['b1', 60_000]]);
    // A waiting key (no item) is leased by the take itself for the block time; nothing to keep.
    await takes.next();
    takes.fill([], false);
    t.sent[1].answer(t.reply([]));
    await flush();
    expect([...leases.held.keys()]).toEqual(['b1']);
  });

  it('settle(): a batch taken ahead and never started is handed back and no longer kept; a failed take is returned with its ack', async () => {
    const t = taker();
    const leases = holder();
    const takes = new LaneTakes(lane(), t.port, leases, 1);
    takes.fill([], false);
    t.sent[0].answer(t.reply(['1']));
    await takes.next();
    takes.fill([{ batchKey: 'b1', count: 1 }], false);
    const down = new Error('connection closed');
    t.sent[1].answer(t.reply(['2']));
    t.sent[2].fail(down);
    const failed = await takes.settle();
    expect(failed).toEqual([{ error: down, acks: [{ batchKey: 'b1', count: 1 }] }]);
    expect(t.released).toEqual(['b2']);
    expect(leases.held.has('b2')).toBe(false);
    expect(takes.size).toBe(0);
  });

  it('unstarted(): a reply the lane read but will not start goes back on settle()', async () => {
    const t = taker();
    const takes = new LaneTakes(lane(), t.port, holder(), 1);
    takes.fill([], false);
    t.sent[0].answer(t.reply(['1']));
    const got = await takes.next();
    if (!('reply' in got)) throw new Error('expected a reply');
    takes.unstarted(got);
    t.sent[1].answer(t.reply(['2']));
    expect(await takes.settle()).toEqual([]);
    expect(t.released).toEqual(['b1', 'b2']);
  });

  it.each<[string, number, () => TakeReply, boolean]>([
    ['a batch size at the threshold', PREFETCH_BELOW_BATCH, () => taker().reply(Array(PREFETCH_BELOW_BATCH).fill('1')), false],
    ['a partial batch (the input ran dry)', 5, () => taker().reply(['1', '2']), false],
    ['a waiting key', 1, () => taker().reply([]), false],
    ['a retried item', 1, () => taker().reply(['1'], 'retry'), false],
    ['a full batch with retried items in sight (isolation starts)', 1, () => ({ ...taker().reply(['1']), retryLength: 2 }), false],
    ['a full batch of 5', 5, () => taker().reply(['1', '2', '3', '4', '5']), true],
  ])('after %s (batch %i): a take goes out ahead only after a full batch below the threshold', async (_what, batch, first, ahead) => {
    const t = taker();
    const takes = new LaneTakes(lane(), t.port, holder(), batch);
    takes.fill([], false);
    t.sent[0].answer(first());
    await takes.next();
    takes.fill([{ batchKey: 'b1', count: 1 }], false);
    expect(takes.size).toBe(ahead ? 2 : 1);
  });

  it('never takes ahead from retry (isolation: retried items run one at a time)', async () => {
    const t = taker();
    const takes = new LaneTakes(lane(), t.port, holder(), 1);
    takes.fill([], true);
    t.sent[0].answer(t.reply(['1'], 'retry'));
    await takes.next();
    takes.fill([{ batchKey: 'b1', count: 1 }], true);
    expect(t.sent.map((s) => s.fromRetry)).toEqual([true, true]);
    expect(takes.size).toBe(1);
  });

  it('groups: a take asks for groupSize() batches; the acks wait for the group\'s last batch to start, then ride on one take', async () => {
    const t = taker();
    let group = 3;
    const takes = new LaneTakes(lane(), t.port, holder(), 1, Date.now, () => group);
    takes.fill([], false);
    expect(t.sent.map((s) => s.count)).toEqual([3]);
    t.sent[0].answer([t.reply(['1']), t.reply(['2']), t.reply(['3'])]);
    expect(await takes.next()).toMatchObject({ reply: { batchKey: 'b1' } });
    // The next group is out while this one is handled.
    expect(t.sent.map((s) => s.acks.length)).toEqual([0, 0]);
    expect(takes.fill([{ batchKey: 'b1', count: 1 }], false)).toEqual([{ batchKey: 'b1', count: 1 }]);
    expect(await takes.next()).toMatchObject({ reply: { batchKey: 'b2' } });
    const kept = takes.fill([{ batchKey: 'b1', count: 1 }, { batchKey: 'b2', count: 1 }], false);
    expect(kept).toHaveLength(2);
    expect(await takes.next()).toMatchObject({ reply: { batchKey: 'b3' } });
    expect(t.sent).toHaveLength(2);
    group = 2;
    expect(takes.fill([...kept, { batchKey: 'b3', count: 1 }], false)).toEqual([]);
    expect(t.sent.map((s) => s.acks.map((a) => a.batchKey))).toEqual([[], [], ['b1', 'b2', 'b3']]);
    expect(t.sent[2].count).toBe(2);
    expect(takes.size).toBe(2);
  });

  it('groups: a short group (the input ran dry) takes nothing ahead; settle() hands back every batch of a group in one call', async () => {
    const t = taker();
    const leases = holder();
    const takes = new LaneTakes(lane(), t.port, leases, 1, Date.now, () => 4);
    takes.fill([], false);
    t.sent[0].answer([t.reply(['1']), t.reply(['2'])]);
    await takes.next();
    expect(t.sent).toHaveLength(1);
    expect(takes.size).toBe(1);
    takes.fill([{ batchKey: 'b1', count: 1 }], false);
    expect(t.sent).toHaveLength(1);
    expect(await takes.settle()).toEqual([]);
    expect(t.released).toEqual(['b2']);
    expect([...leases.held.keys()]).toEqual(['b1']);
  });

  it('groups: a failed group take returns every ack it carried', async () => {
    const t = taker();
    const takes = new LaneTakes(lane(), t.port, holder(), 1, Date.now, () => 2);
    takes.fill([], false);
    t.sent[0].answer([t.reply(['1']), t.reply(['2'])]);
    await takes.next();
    await takes.next();
    const acks = [{ batchKey: 'b1', count: 1 }, { batchKey: 'b2', count: 1 }];
    expect(takes.fill(acks, false)).toEqual([]);
    const down = new Error('connection closed');
    t.sent[1].answer([t.reply(['3']), t.reply(['4'])]);
    t.sent[2].fail(down);
    expect(await takes.settle()).toEqual([{ error: down, acks }]);
    expect(t.released).toEqual(['b3', 'b4']);
  });

  it('reports how long a reply sat after arriving (a waiting key that sat is not blocked on)', async () => {
    let now = 1000;
    const t = taker();
    const takes = new LaneTakes(lane(), t.port, holder(), 1, () => now);
    takes.fill([], false);
    t.sent[0].answer(t.reply([]));
    await flush();
    now += 2500;
    expect(await takes.next()).toMatchObject({ ageMs: 2500, reply: { source: 'wait' } });
  });
});

describe('GroupPace (batches per take at small batches)', () => {
  it('one batch until a handler ran; then as many as fit the handler-time budget, within GROUP_MAX_ITEMS items', () => {
    const pace = new GroupPace(1);
    expect(pace.size()).toBe(1);
    pace.record(0.01);
    expect(pace.size()).toBe(GROUP_MAX_ITEMS);
    const slow = new GroupPace(1);
    slow.record(GROUP_BUDGET_MS * 4);
    expect(slow.size()).toBe(1);
    const mid = new GroupPace(1);
    mid.record(GROUP_BUDGET_MS / 3);
    expect(mid.size()).toBe(3);
    const five = new GroupPace(5);
    five.record(0.01);
    expect(five.size()).toBe(Math.floor(GROUP_MAX_ITEMS / 5));
  });

  it('a handler turning slow brings the group down at once; one descheduled handler among fast ones barely moves it', () => {
    const pace = new GroupPace(1);
    for (let i = 0; i < 10; i++) pace.record(0.01);
    pace.record(1000);
    expect(pace.size()).toBe(1);
    // Fast again: the one slow sample is an outlier of the median.
    pace.record(0.01);
    expect(pace.size()).toBe(GROUP_MAX_ITEMS);
    // A process descheduled for 10 ms in a handler: one smaller group, not one batch per take.
    pace.record(10);
    expect(pace.size()).toBe(Math.floor(GROUP_BUDGET_MS / (10 / 8)));
    pace.record(0.01);
    expect(pace.size()).toBe(GROUP_MAX_ITEMS);
    // Slow for good: the median follows.
    for (let i = 0; i < 16; i++) pace.record(GROUP_BUDGET_MS);
    pace.record(GROUP_BUDGET_MS / 10);
    expect(pace.size()).toBe(1);
  });
});

describe('Lanes (retry isolation)', () => {
  it('enterIsolation is true only for the call that starts it; park() resolves when it ends', async () => {
    const lanes = new Lanes(['p0', 'p1']);
    expect(lanes.enterIsolation()).toBe(true);
    expect(lanes.enterIsolation()).toBe(false);
    let woke = false;
    const parked = lanes.park(lanes.all[1]).then(() => (woke = true));
    await flush();
    expect(lanes.all[1].state).toBe('parked');
    expect(lanes.othersSettled()).toBe(true);
    expect(woke).toBe(false);
    lanes.endIsolation();
    await parked;
    expect(lanes.all[1].state).toBe('idle');
    expect(lanes.isolation).toBe(false);
  });

  it('othersSettled ignores lane 0 and waits for every other lane to park or finish', () => {
    const lanes = new Lanes(['p0', 'p1', 'p2']);
    lanes.set(lanes.all[0], 'handler');
    lanes.set(lanes.all[1], 'done');
    lanes.set(lanes.all[2], 'handler');
    expect(lanes.othersSettled()).toBe(false);
    lanes.set(lanes.all[2], 'done');
    expect(lanes.othersSettled()).toBe(true);
  });

  it('until() resolves at the first lane or isolation change that makes it hold, not before', async () => {
    const lanes = new Lanes(['p0', 'p1']);
    let done = false;
    const waiting = lanes.until(() => lanes.all[1].state === 'done').then(() => (done = true));
    lanes.set(lanes.all[0], 'taking');
    await flush();
    expect(done).toBe(false);
    lanes.set(lanes.all[1], 'done');
    await waiting;
    expect(done).toBe(true);
  });
});

describe('the Python SDK LaneTakes (gridcore_worker/lanes.py), the same rules', () => {
  it('takes ahead at batch 1 once full batches flow, holds leases on arrival, hands back on settle, never ahead from retry or at the threshold', () => {
    const program = `
import json, sys, threading
sys.path.insert(0, ${JSON.stringify(resolve(__dirname, '..', '..', 'python'))})
from gridcore_worker.lanes import Lane, LaneTakes, PREFETCH_BELOW_BATCH
class Taker:
    def __init__(self):
        self.sent, self.released, self.seq, self.lock = [], [], 0, threading.Lock()
        self.fail_next, self.source = False, "input"
    def take(self, lane, acks, from_retry, count):
        with self.lock:
            self.sent.append({"ack": acks[0]["key"] if acks else None, "from_retry": from_retry})
            self.seq += 1
            if self.fail_next:
                self.fail_next = False
                raise ConnectionError("connection closed")
            return [{"ack": 0, "key": "b%d" % self.seq, "items": ["1"], "retry": 0, "lease_ms": 60000, "source": self.source}]
    def release(self, lane, keys):
        self.released.extend(keys)
class Leases:
    def __init__(self):
        self.held = {}
    def hold(self, key, lane, lease_ms):
        self.held[key] = lease_ms
    def drop(self, key):
        return self.held.pop(key, None) is not None
out = {}
t, leases = Taker(), Leases()
takes = LaneTakes(Lane(0, "P:batch:n:i:r:0:"), t, leases, 1)
takes.fill([], False)
first = takes.next()
out["ahead_while_handled"] = takes.size
while not takes.idle():
    pass
takes.fill([{"key": first["reply"]["key"], "count": 1}], False)
out["in_flight"] = takes.size
while not takes.idle():
    pass
out["held"] = sorted(leases.held)
t.fail_next = False
out["failed"] = [f["acks"] for f in takes.settle()]
out["released"], out["held_after"] = sorted(t.released), sorted(leases.held)
t.source = "retry"
takes.fill([], True)
takes.next()
takes.fill([{"key": "b4", "count": 1}], True)
out["from_retry_in_flight"] = takes.size
takes.settle()
big = LaneTakes(Lane(1, "P:batch:n:i:r:1:"), Taker(), Leases(), PREFETCH_BELOW_BATCH)
big.fill([], False)
big.next()
big.fill([{"key": "b1", "count": 1}], False)
out["threshold_in_flight"] = big.size
t2 = Taker()
failing = LaneTakes(Lane(2, "P:batch:n:i:r:2:"), t2, Leases(), 1)
failing.fill([], False)
failing.next()
while not failing.idle():
    pass
t2.fail_next = True
failing.fill([{"key": "b1", "count": 1}], False)
out["failed_acks"] = sorted([a["key"] for f in failing.settle() for a in f["acks"]], key=str)
out["sent"] = t.sent
print(json.dumps(out))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got).toMatchObject({
      ahead_while_handled: 1,
      in_flight: 2,
      // b1's lease was kept until its ack went out with the third take.
      held: ['b2', 'b3'],
      failed: [],
      released: ['b2', 'b3'],
      held_after: [],
      from_retry_in_flight: 1,
      threshold_in_flight: 1,
    });
    expect(got.failed_acks).toEqual(['b1']);
    expect(got.sent.slice(0, 3).map((s: { ack: string | null }) => s.ack)).toEqual([null, null, 'b1']);
    expect(got.sent.slice(3)).toEqual([{ ack: null, from_retry: true }, { ack: 'b4', from_retry: true }]);
  });

  it('groups, as the TypeScript LaneTakes: group_size() batches per take, acks held until the group is given out, GroupPace by handler time', () => {
    const program = `
import json, sys, threading
sys.path.insert(0, ${JSON.stringify(resolve(__dirname, '..', '..', 'python'))})
from gridcore_worker.lanes import GroupPace, Lane, LaneTakes, GROUP_MAX_ITEMS
class Taker:
    def __init__(self):
        self.sent, self.released, self.seq, self.lock = [], [], 0, threading.Lock()
    def take(self, lane, acks, from_retry, count):
        with self.lock:
            self.sent.append({"acks": [a["key"] for a in acks], "count": count})
            out = []
            for _ in range(count):
                self.seq += 1
                out.append({"ack": 0, "key": "b%d" % self.seq, "items": ["1"], "retry": 0, "lease_ms": 60000, "source": "input"})
            return out
    def release(self, lane, keys):
        self.released.append(list(keys))
class Leases:
    def hold(self, key, lane, lease_ms): pass
    def drop(self, key): return True
t = Taker()
takes = LaneTakes(Lane(0, "P:batch:n:i:r:0:"), t, Leases(), 1, group_size=lambda: 3)
out = {"kept": []}
takes.fill([], False)
acks = []
for i in range(3):
    got = takes.next()
    acks = takes.fill(acks + [{"key": got["reply"]["key"], "count": 1}], False)
    out["kept"].append(len(acks))
while not takes.idle():
    pass
takes.settle()
out["sent"], out["released"] = t.sent, t.released
p = GroupPace(1)
out["pace"] = [p.size()]
p.record(0.00001)
out["pace"].append(p.size())
p.record(1.0)
out["pace"].append(p.size())
out["max"] = GROUP_MAX_ITEMS
print(json.dumps(out))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout);
    expect(got.max).toBe(GROUP_MAX_ITEMS);
    expect(got.kept).toEqual([1, 2, 0]);
    expect(got.sent).toEqual([{ acks: [], count: 3 }, { acks: [], count: 3 }, { acks: ['b1', 'b2', 'b3'], count: 3 }]);
    expect(got.released).toEqual([['b4', 'b5', 'b6', 'b7', 'b8', 'b9']]);
    expect(got.pace).toEqual([1, GROUP_MAX_ITEMS, 1]);
  });
});
