import { ConsumerSlot } from './consumer-slot';
import { ScriptOutcome, TaskBackend } from './task-backend';

/**
 * The slot's batching of acks and items leased ahead, against its backend's script calls
 * recorded in memory (the scripts themselves are covered by the queue's specs, the whole path by
 * test/gateway/gateway-server.int-spec.ts).
 */
describe('ConsumerSlot', () => {
  const route = { name: 't', input_redis: 'redis://127.0.0.1:1', output_redis: 'redis://127.0.0.1:1', redis_tls_ca: null, input_queue: 'in', output_queue: 'out', batch_timeout_s: 600, max_attempts: 3 };

  function harness(items: number) {
    const backend = new TaskBackend(route);
    const input = Array.from({ length: items }, (_v, i) => `item${i}`);
    const leased = new Map<string, string>();
    const acked: { key: string; result: string }[] = [];
    const writes: string[][] = [];
    const returned: { script: string; keys: string[] }[] = [];
    let seq = 0;
    const pos = (name: string, arg: string) => backend.protocol.declaration(name).args.indexOf(arg);
    const one = (name: string, args: readonly (string | number)[]): ScriptOutcome => {
      if (name === 'take') {
        const prev = String(args[pos('take', 'prev_batch_key')]);
        const lane = String(args[pos('take', 'lane_prefix')]);
        let ack = 0;
        if (prev !== '') {
          ack = leased.delete(prev) ? 1 : 2;
          if (ack === 1) acked.push({ key: prev, result: String(args[args.length - 1]) });
        }
        if (lane === '') return { reply: [ack, '', [], 0, 0, 'none', 0] };
        const key = `${lane}${++seq}`;
        const item = input.shift();
        if (item !== undefined) leased.set(key, item);
        return { reply: [ack, key, item === undefined ? [] : [item], 0, 60_000, item === undefined ? 'wait' : 'input', 0] };
      }
      const keys = args.slice(pos(name, 'batch_keys...') >= 0 ? pos(name, 'batch_keys...') : 0).map(String);
      returned.push({ script: name, keys });
      for (const k of keys) {
        const item = leased.get(k);
        if (item !== undefined) input.push(item);
        leased.delete(k);
      }
      return { reply: [keys.length, keys.length, 0, 0] };
    };
    backend.run = async (name, _keys, args) => {
      writes.push([name]);
      return one(name, args);
    };
    backend.runMany = async (calls) => {
      writes.push(calls.map((c) => c.name));
      return calls.map((c) => one(c.name, c.args));
    };
    const slot = new ConsumerSlot(backend, 'n1', '0', () => undefined);
    slot.attach(1);
    return { backend, slot, input, leased, acked, writes, returned };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('leases items ahead after the first push, answers pops from them, and sends queued acks together, each with its own value', async () => {
    const h = harness(100);
    expect(await h.slot.pop(1, 1000)).toBe('item0');
    h.slot.push('r0');
    await settle();
    // The first push found nothing ahead: its ack went at once and filled the items ahead.
    expect(h.slot.aheadCount).toBe(16);
    expect(h.acked).toEqual([{ key: expect.any(String), result: 'r0' }]);
    const writesBefore = h.writes.length;
    for (let i = 1; i <= 8; i++) {
      expect(h.slot.popAhead(1)).toBe(`item${i}`);
      h.slot.push(`r${i}`);
    }
    await settle();
    // Eight pushes: one write of eight take calls, each acking its item with its value and leasing one more.
    expect(h.writes.slice(writesBefore)).toEqual([Array(8).fill('take')]);
    expect(h.acked.map((a) => a.result)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    expect(h.slot.aheadCount).toBe(16);
    await h.backend.close();
  });

  it('sends a lone ack within a few ms, and refuses a push without a held item', async () => {
    const h = harness(40);
    await h.slot.pop(1, 1000);
    h.slot.push('a');
    await settle();
    h.slot.popAhead(1);
    h.slot.push('b');
    expect(h.acked.map((a) => a.result)).toEqual(['a']);
    await settle();
    expect(h.acked.map((a) => a.result)).toEqual(['a', 'b']);
    expect(() => h.slot.push('c')).toThrow(/no item is held/);
    expect(h.acked).toHaveLength(2);
    await h.backend.close();
  });

  it('a closing connection sends its queued acks, requeues what it popped and hands back what was leased ahead', async () => {
    const h = harness(30);
    await h.slot.pop(1, 1000);
    h.slot.push('first');
    await settle();
    h.slot.popAhead(1);
    h.slot.push('second'); // queued, not yet sent
    const popped = h.slot.popAhead(1); // held when the connection closes
    await h.slot.detach(1);
    expect(h.acked.map((a) => a.result)).toEqual(['first', 'second']);
    const requeued = h.returned.filter((r) => r.script === 'requeue').flatMap((r) => r.keys);
    const handedBack = h.returned.filter((r) => r.script === 'hand-back').flatMap((r) => r.keys);
    expect(requeued).toHaveLength(1);
    expect(handedBack).toHaveLength(14); // 16 ahead, 2 popped since; the queued ack leased none (the connection was closing)
    expect(h.leased.size).toBe(0);
    // Nothing lost, nothing done twice: 2 acked, the rest back in the input (the popped one too).
    expect(h.input).toHaveLength(28);
    expect(h.input).toContain(popped);
    await h.backend.close();
  });
});
