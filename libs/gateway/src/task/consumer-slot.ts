import { encodeCause } from '@gridcore/queue';
import { randomBytes } from 'node:crypto';
import type { PendingWait } from './wait-list';
import { QueueCallError, QueueCalls } from './queue-calls';
import type { TaskBackend } from './task-backend';

/** Why a popped item is retried: its connection closed before the result came (the consumer crashed or was killed; the node may record the exit code too). */
const CLOSED_HOLDING = encodeCause({ kind: 'exit', message: 'the connection closed while it held the item (the consumer crashed or was killed)' });

interface Held {
  key: string;
  item: string;
  /** The connection that popped it: its close requeues it. */
  owner: number;
}

/** Items a consumer's pushes keep leased ahead of its pops. */
const AHEAD = 2;

/** A blocking pop waits in chunks of at most this, each on a fresh waiting key. */
const WAIT_CHUNK_MS = 30_000;

/**
 * The original consumer of one container (`<node>.<instance>`), made reliable (issue 17.4): each
 * pop leases a batch of one item under this slot's own run (`P:batch:<node>:<instance>:gw<id>:0:`),
 * each push acks the oldest item held with the pushed value in one take script that also leases
 * the next item ahead (so the next pop needs no round trip to Redis). Pops and pushes may come on
 * different connections (redis-py's `from_url` twice); items are the slot's, popped ones remember
 * their connection.
 */
export class ConsumerSlot {
  readonly lanePrefix: string;
  readonly slotPrefix: string;
  private readonly calls: QueueCalls;
  private held: Held[] = [];
  /** Leased ahead by a push's take, not yet given to the consumer. */
  private ahead: { key: string; item: string }[] = [];
  private readonly waiting = new Map<number, PendingWait>();
  private readonly connections = new Set<number>();
  private popChain: Promise<unknown> = Promise.resolve();
  private pushChain: Promise<unknown> = Promise.resolve();
  /** The node stops this container gracefully: what it holds goes back without an attempt. */
  graceful = false;
  /** Pushes whose ack has not come back yet. */
  private acking = 0;

  constructor(
    private readonly backend: TaskBackend,
    readonly nodeId: string,
    readonly instance: string,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.calls = new QueueCalls(backend);
    const run = `gw${randomBytes(6).toString('hex')}`;
    this.slotPrefix = backend.keys.slotPrefix(nodeId, instance, run);
    this.lanePrefix = `${this.slotPrefix}0:`;
  }

  attach(connId: number): void {
    this.connections.add(connId);
  }

  get idle(): boolean {
    return this.connections.size === 0;
  }

  /** Every key whose lease the gateway keeps alive for this slot. */
  leasedKeys(): string[] {
    return [...this.held.map((h) => h.key), ...this.ahead.map((a) => a.key)];
  }

  /** Items leased ahead: the consumer's LLEN counts them as still in the input. */
  get aheadCount(): number {
    return this.ahead.length;
  }

  private serial<T>(chain: 'pop' | 'push', fn: () => Promise<T>): Promise<T> {
    const prev = chain === 'pop' ? this.popChain : this.pushChain;
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    if (chain === 'pop') this.popChain = tail;
    else this.pushChain = tail;
    return next;
  }

  /** BRPOP/BLPOP (timeoutMs ≥ 0, 0 forever) or RPOP/LPOP (null): one leased item, or null. */
  pop(connId: number, timeoutMs: number | null): Promise<string | null> {
    return this.serial('pop', () => this.popNow(connId, timeoutMs));
  }

  private async popNow(connId: number, timeoutMs: number | null): Promise<string | null> {
    // A push's ack may be bringing the next item ahead: wait for it rather than take another.
    if (this.ahead.length === 0 && this.acking > 0) await this.pushChain;
    const next = this.ahead.shift();
    if (next) return this.give(connId, next.key, next.item);
    const deadline = timeoutMs === null ? 0 : timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const chunk = Math.max(0, Math.min(WAIT_CHUNK_MS, deadline - Date.now()));
      const r = await this.calls.take(this.lanePrefix, this.nodeId, timeoutMs === null ? 0 : chunk);
      if (r.items.length > 0) return this.give(connId, r.batchKey, r.items[0]);
      if (timeoutMs === null || chunk <= 0 || !this.connections.has(connId)) {
        await this.calls.handBack([r.batchKey]);
        return null;
      }
      const wait = this.backend.waits.wait(r.batchKey, chunk);
      this.waiting.set(connId, wait);
      const got = await wait.result;
      this.waiting.delete(connId);
      if (got instanceof Error) {
        await this.calls.handBack([r.batchKey]).catch(() => undefined);
        throw got;
      }
      if (got !== null) return this.give(connId, r.batchKey, got);
      await this.calls.handBack([r.batchKey]);
      if (Date.now() >= deadline || !this.connections.has(connId)) return null;
    }
  }

  private async give(connId: number, key: string, item: string): Promise<string | null> {
    if (!this.connections.has(connId)) {
      // The connection closed while the item came: it was never handed out.
      await this.calls.handBack([key]);
      return null;
    }
    this.held.push({ key, item, owner: connId });
    return item;
  }

  /**
   * LPUSH/RPUSH of one value to the output: the oldest held item is acked with it (exactly once:
   * the take script pushes the value only while that item's lease holds), and the next item is
   * leased ahead in the same script. The consumer's reply does not wait for Redis: once a held
   * item is matched nothing can make the push count twice, and a push whose ack finds the lease
   * lapsed leaves the item to be redone (its value is dropped by the script). Throws the refusal
   * when no item is held.
   */
  push(value: string): void {
    const held = this.held.shift();
    if (!held) throw new QueueCallError('ERR gridcore gateway: LPUSH is not allowed (no item is held by this container: pop one first)');
    this.acking++;
    void this.serial('push', async () => {
      try {
        const wanted = () => this.ahead.length < AHEAD && !this.graceful && this.connections.size > 0;
        let takeAhead = wanted();
        const r = await this.calls.take(takeAhead ? this.lanePrefix : '', this.nodeId, 0, { batchKey: held.key, result: value });
        // The ack's own take tops up one item; takes without an ack fill the rest (at most AHEAD in all).
        let next: typeof r | undefined = takeAhead ? r : undefined;
        for (let i = 0; next && i < AHEAD; i++) {
          if (next.items.length === 0 || this.connections.size === 0) {
            await this.calls.handBack([next.batchKey]);
            next = undefined;
            break;
          }
          this.ahead.push({ key: next.batchKey, item: next.items[0] });
          next = i + 1 < AHEAD && wanted() ? await this.calls.take(this.lanePrefix, this.nodeId, 0) : undefined;
        }
        if (next) await this.calls.handBack([next.batchKey]);
        if (r.ack === 2) this.log(`gridcore gateway: ${this.nodeId}.${this.instance} pushed a result after its item's lease lapsed; the item is redone`);
      } catch (err) {
        this.log(`gridcore gateway: acking a push of ${this.nodeId}.${this.instance} failed (${(err as Error).message}); its lease will bring the item back`);
      } finally {
        this.acking--;
      }
    });
  }

  /** A connection closed: the items it popped are requeued (handed back when stopped gracefully), waits end. */
  async detach(connId: number): Promise<void> {
    this.connections.delete(connId);
    const wait = this.waiting.get(connId);
    if (wait) await wait.cancel();
    // Let a pop or push in flight settle, so what it leased is seen below.
    await Promise.all([this.popChain, this.pushChain]);
    const mine = this.held.filter((h) => h.owner === connId).map((h) => h.key);
    this.held = this.held.filter((h) => h.owner !== connId);
    if (mine.length > 0) await (this.graceful ? this.calls.handBack(mine) : this.calls.requeue(mine, CLOSED_HOLDING));
    const ahead = this.ahead.map((a) => a.key);
    this.ahead = [];
    if (ahead.length > 0) await this.calls.handBack(ahead);
    if (this.connections.size === 0) {
      // Nothing of this slot's run is held by anyone now: a take whose reply got lost left its key behind.
      const rest = this.held.map((h) => h.key);
      this.held = [];
      if (rest.length > 0) await (this.graceful ? this.calls.handBack(rest) : this.calls.requeue(rest, CLOSED_HOLDING));
      await this.calls.returnSlot(this.slotPrefix, 'hand-back');
    }
  }
}
