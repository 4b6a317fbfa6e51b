import { encodeCause } from '@gridcore/queue';
import { randomBytes } from 'node:crypto';
import type { PendingWait } from './wait-list';
import { QueueCallError, QueueCalls, TakeOutcome } from './queue-calls';
import type { TaskBackend } from './task-backend';

/** Why a popped item is retried: its connection closed before the result came (the consumer crashed or was killed; the node may record the exit code too). */
const CLOSED_HOLDING = encodeCause({ kind: 'exit', message: 'the connection closed while it held the item (the consumer crashed or was killed)' });

interface Held {
  key: string;
  item: string;
  /** The connection that popped it: its close requeues it. */
  owner: number;
}

/**
 * Items a consumer's pushes keep leased ahead of its pops: a pop then needs no round trip to
 * Redis, and the takes that top them up ride in the same write as the acks.
 */
export const CONSUMER_AHEAD = 16;
/** Fewer ahead than this and the queued acks go at once (so the pops never run dry waiting). */
const LOW_AHEAD = 4;
/** This many queued acks go at once; fewer wait at most ACK_DELAY_MS for company. */
const ACK_BATCH = 8;
const ACK_DELAY_MS = 2;

/** At most this many take calls (acks and top-ups) go to Redis in one write. */
const MAX_CALLS_PER_WRITE = 32;

/** A blocking pop waits in chunks of at most this, each on a fresh waiting key. */
const WAIT_CHUNK_MS = 30_000;

/**
 * The original consumer of one container (`<node>.<instance>`), made reliable (issue 17.4): each
 * pop leases a batch of one item under this slot's own run (`P:batch:<node>:<instance>:gw<id>:0:`),
 * each push acks the oldest item held with the pushed value in a take script that also leases
 * the next item ahead (so the next pop needs no round trip to Redis). Acks that queue while a
 * write is at Redis go together in the next write (one script call each, one round trip for
 * all). Pops and pushes may come on different connections (redis-py's `from_url` twice); items
 * are the slot's, popped ones remember their connection.
 */
export class ConsumerSlot {
  readonly lanePrefix: string;
  readonly slotPrefix: string;
  private readonly calls: QueueCalls;
  private held: Held[] = [];
  /** Leased ahead by a push's take, not yet given to the consumer. */
  private ahead: { key: string; item: string }[] = [];
  /** Pushed values matched to their item, not yet sent to Redis. */
  private acks: { key: string; value: string }[] = [];
  /** The write of `acks` and top-ups at Redis, while it runs. */
  private flushing?: Promise<void>;
  /** Queued acks wait for company until this fires. */
  private timer?: NodeJS.Timeout;
  /** A take found the input empty (or Redis failed): no top-ups until the next push. */
  private dry = false;
  private readonly waiting = new Map<number, PendingWait>();
  private readonly connections = new Set<number>();
  private popChain: Promise<unknown> = Promise.resolve();
  private popsRunning = 0;
  /** The node stops this container gracefully: what it holds goes back without an attempt. */
  graceful = false;

  constructor(
    readonly backend: TaskBackend,
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

  /** Every key whose lease the gateway keeps alive for this slot (acks not yet at Redis included). */
  leasedKeys(): string[] {
    return [...this.held.map((h) => h.key), ...this.ahead.map((a) => a.key), ...this.acks.map((a) => a.key)];
  }

  /** Items leased ahead: the consumer's LLEN counts them as still in the input. */
  get aheadCount(): number {
    return this.ahead.length;
  }

  /** BRPOP/BLPOP (timeoutMs ≥ 0, 0 forever) or RPOP/LPOP (null): one leased item, or null. */
  pop(connId: number, timeoutMs: number | null): Promise<string | null> {
    this.popsRunning++;
    const run = () => this.popNow(connId, timeoutMs).finally(() => void this.popsRunning--);
    const next = this.popChain.then(run, run);
    this.popChain = next.catch(() => undefined);
    return next;
  }

  /**
   * The hot path: an item leased ahead given at once, without a promise; undefined when the pop
   * must take the slow way (nothing ahead, or another pop of this slot still runs).
   */
  popAhead(connId: number): string | undefined {
    if (this.popsRunning > 0 || !this.connections.has(connId)) return undefined;
    const next = this.ahead.shift();
    if (!next) return undefined;
    this.held.push({ key: next.key, item: next.item, owner: connId });
    return next.item;
  }

  private async popNow(connId: number, timeoutMs: number | null): Promise<string | null> {
    // Queued acks bring the next items ahead: send them and wait, rather than take another.
    if (this.ahead.length === 0 && (this.flushing || this.acks.length > 0)) {
      await this.flushing;
      if (this.ahead.length === 0 && this.acks.length > 0) await this.flushNow();
    }
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
    this.acks.push({ key: held.key, value });
    this.dry = false;
    this.schedule();
  }

  /**
   * Sends every queued ack now and waits for them (a closing connection, the node handing back
   * or requeueing the slot: values already accepted land before the slot's batches go back).
   */
  async sendQueuedAcks(): Promise<void> {
    for (let i = 0; i < 1000 && (this.flushing || this.acks.length > 0); i++) await (this.flushing ?? this.flushNow());
  }

  /** How many more items to lease ahead now. */
  private wanted(): number {
    return this.graceful || this.connections.size === 0 || this.dry ? 0 : Math.max(0, CONSUMER_AHEAD - this.ahead.length);
  }

  /**
   * Starts a write of the queued acks when enough are queued or the pops need items, else within
   * ACK_DELAY_MS (acks wait for company: one write to Redis and one reply carry several).
   */
  private schedule(): void {
    if (this.flushing) return; // the running write looks again when it ends
    const urgent = this.acks.length >= ACK_BATCH || this.ahead.length < LOW_AHEAD || this.wanted() === 0;
    if (urgent) void this.flushNow();
    else if (!this.timer && this.acks.length > 0) {
      this.timer = setTimeout(() => void this.flushNow(), ACK_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Sends what is queued now (unless a write runs already); resolves when that write is done. */
  private flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing ??= this.flushRound().finally(() => {
      this.flushing = undefined;
      if (this.acks.length > 0 || (this.wanted() > 0 && this.ahead.length < LOW_AHEAD)) this.schedule();
    });
    return this.flushing;
  }

  /**
   * One write: the queued acks, each with a take of one item ahead while fewer than CONSUMER_AHEAD are,
   * plus takes alone up to CONSUMER_AHEAD. Each is its own take script call.
   */
  private async flushRound(): Promise<void> {
    const acks = this.acks.splice(0, MAX_CALLS_PER_WRITE);
    let want = this.wanted();
    const ops: { lanePrefix: string; ack?: { batchKey: string; result: string } }[] = acks.map((a) => ({
      lanePrefix: want-- > 0 ? this.lanePrefix : '',
      ack: { batchKey: a.key, result: a.value },
    }));
    while (want-- > 0 && ops.length < MAX_CALLS_PER_WRITE) ops.push({ lanePrefix: this.lanePrefix });
    if (ops.length === 0) return;
    let outcomes: (TakeOutcome | Error)[];
    try {
      outcomes = await this.calls.takeMany(ops, this.nodeId);
    } catch (err) {
      outcomes = ops.map(() => err as Error);
    }
    const giveBack: string[] = [];
    for (let i = 0; i < ops.length; i++) {
      const r = outcomes[i];
      if (r instanceof Error) {
        if (ops[i].ack) this.log(`gridcore gateway: acking a push of ${this.nodeId}.${this.instance} failed (${r.message}); its lease will bring the item back`);
        this.dry = true; // no more top-ups until a push: Redis may be away
        continue;
      }
      if (r.ack === 2) this.log(`gridcore gateway: ${this.nodeId}.${this.instance} pushed a result after its item's lease lapsed; the item is redone`);
      if (ops[i].lanePrefix === '') continue;
      if (r.items.length > 0 && this.connections.size > 0 && !this.graceful) this.ahead.push({ key: r.batchKey, item: r.items[0] });
      else {
        giveBack.push(r.batchKey);
        // The input ran dry: no more top-ups until a push.
        if (r.items.length === 0) this.dry = true;
      }
    }
    if (giveBack.length > 0) {
      await this.calls.handBack(giveBack).catch((err: Error) => this.log(`gridcore gateway: handing back ${giveBack.length} unused leases failed (${err.message}); their leases bring them back`));
    }
  }

  /** A connection closed: the items it popped are requeued (handed back when stopped gracefully), waits end. */
  async detach(connId: number): Promise<void> {
    this.connections.delete(connId);
    const wait = this.waiting.get(connId);
    if (wait) await wait.cancel();
    // Let a pop in flight settle and the queued acks go (their values were accepted), so what
    // they leased is seen below.
    await this.popChain;
    await this.sendQueuedAcks();
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
