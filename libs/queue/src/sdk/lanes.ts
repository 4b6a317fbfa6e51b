import type Redis from 'ioredis';
import type { TakeReply, TakeRequest } from '../work-queue';

export type LaneState = 'idle' | 'taking' | 'blocked' | 'handler' | 'parked' | 'done';

/** One lane: takes, handles and acks one batch at a time, with its own BLMOVE connection. */
export interface Lane {
  index: number;
  /** P:batch:<node>:<instance>:<run>:<lane>: */
  prefix: string;
  state: LaneState;
  blockingConn?: Redis;
  blockingId?: Promise<number | undefined>;
  /** The pending BLMOVE, while the lane waits for an item. */
  blocking?: Promise<unknown>;
}

/**
 * The lanes and retry isolation: after a failure (or retried items in sight) lane 0 takes
 * retried items one at a time while every other lane parks. Waits are promises settled by
 * state changes, not polls.
 */
export class Lanes {
  readonly all: Lane[];
  private isolated = false;
  private parked: (() => void)[] = [];
  private watchers: (() => void)[] = [];

  constructor(prefixes: string[]) {
    this.all = prefixes.map((prefix, index) => ({ index, prefix, state: 'idle' }));
  }

  get isolation(): boolean {
    return this.isolated;
  }

  set(lane: Lane, state: LaneState): void {
    lane.state = state;
    this.changed();
  }

  /** True when this call started isolation (the caller then ends pending BLMOVEs). */
  enterIsolation(): boolean {
    if (this.isolated) return false;
    this.isolated = true;
    this.changed();
    return true;
  }

  endIsolation(): void {
    this.isolated = false;
    const wake = this.parked;
    this.parked = [];
    wake.forEach((w) => w());
    this.changed();
  }

  /** Parks a lane other than 0 until isolation ends. */
  async park(lane: Lane): Promise<void> {
    this.set(lane, 'parked');
    await new Promise<void>((resolve) => this.parked.push(resolve));
    this.set(lane, 'idle');
  }

  /** Every lane but 0 has parked or finished: retried items may run alone. */
  othersSettled(): boolean {
    return this.all.every((l) => l.index === 0 || l.state === 'parked' || l.state === 'done');
  }

  /** Resolves once `ready()` holds, checked now and after every lane or isolation change. */
  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!ready()) return;
        this.watchers = this.watchers.filter((w) => w !== check);
        resolve();
      };
      this.watchers.push(check);
    });
  }

  /** Re-checks the waits (also called when the worker starts stopping). */
  changed(): void {
    [...this.watchers].forEach((w) => w());
  }
}

/** A lane's finished batch, acked with a later take (WorkerScriptRunner's PendingAck). */
type Ack = NonNullable<TakeRequest['ack']>;

/** What a lane's takes go through (WorkerScriptRunner). */
export interface LaneTaker {
  /** Acks `acks` and takes up to `count` batches (one script run): at least one reply, oldest first. */
  take(lane: Lane, acks: Ack[], fromRetry: boolean, count: number): Promise<TakeReply[]>;
  /** Keys the lane will not use: back to the input without an attempt. */
  release(lane: Lane, batchKeys: string[]): Promise<void>;
}

/** Whose leases are kept alive while the worker holds a batch (LeaseKeeper). */
export interface LeaseHolder {
  hold(batchKey: string, lane: number, leaseMs: number): void;
  drop(batchKey: string): boolean;
}

/** A take that failed (connection lost, reply lost): the acks it carried must be re-sent. */
export interface FailedTake {
  error: unknown;
  acks: Ack[];
}

/** A take's reply, and how long it waited (ms) after arriving before the lane read it. */
export interface TakenReply {
  reply: TakeReply;
  ageMs: number;
}

export type TakeOutcome = TakenReply | FailedTake;
type Arrived = { replies: TakeReply[]; arrivedAt: number; full: boolean } | FailedTake;

/** Below this many items per batch a round trip costs more than the batch: prefetch. */
export const PREFETCH_BELOW_BATCH = 10;

/**
 * A lane's takes in flight, oldest first: one, or, while full batches of fewer than
 * PREFETCH_BELOW_BATCH items flow, two (the take of the next group is out while a group is
 * handled, so the worker never waits a whole round trip). A take asks for `groupSize()` batches
 * (GroupPace: 1 until handlers prove fast); the acks of a group's batches wait until the last one
 * has started, then ride on one take. Each batch's lease is held from the moment its reply
 * arrives; settle() hands back every batch taken and not started.
 */
export class LaneTakes {
  private readonly inFlight: Promise<Arrived>[] = [];
  /** Batches of an arrived group not yet given to the lane. */
  private readonly ready: { reply: TakeReply; arrivedAt: number }[] = [];
  private flowing = false;

  constructor(
    private readonly lane: Lane,
    private readonly taker: LaneTaker,
    private readonly leases: LeaseHolder,
    private readonly batchSize: number,
    private readonly now: () => number = Date.now,
    private readonly groupSize: () => number = () => 1,
  ) {}

  /** Takes in flight and batches taken but not given out yet. */
  get size(): number {
    return this.inFlight.length + this.ready.length;
  }

  get prefetching(): boolean {
    return this.batchSize < PREFETCH_BELOW_BATCH;
  }

  /**
   * Sends the take carrying `acks` (or the first take) once every batch taken has been given out,
   * and while full batches flow, one more ahead; returns the acks kept for a later take.
   */
  fill(acks: Ack[], fromRetry: boolean): Ack[] {
    if (this.ready.length > 0 && !fromRetry) return acks;
    if (acks.length > 0 || this.inFlight.length === 0) {
      this.send(acks, fromRetry);
      acks = [];
    }
    if (!fromRetry) this.ahead(2);
    return acks;
  }

  /** The next batch taken; a full group with nothing behind it sends the next take at once. */
  async next(): Promise<TakeOutcome> {
    if (this.ready.length === 0) {
      const outcome = await this.inFlight.shift()!;
      if (!('replies' in outcome)) {
        this.flowing = false;
        return outcome;
      }
      for (const reply of outcome.replies) this.ready.push({ reply, arrivedAt: outcome.arrivedAt });
      // Retried items in sight start isolation, a short group means the input ran dry: nothing is taken ahead then.
      this.flowing = outcome.full;
      this.ahead(1);
    }
    const { reply, arrivedAt } = this.ready.shift()!;
    return { reply, ageMs: this.now() - arrivedAt };
  }

  /** A reply the lane will not start after all (it stops): settle() hands it back first. */
  unstarted(taken: TakenReply): void {
    this.ready.unshift({ reply: taken.reply, arrivedAt: this.now() - taken.ageMs });
  }

  /**
   * Waits for every take in flight and hands back, without an attempt, what they took (never
   * started); the failed ones are returned, for their acks to be re-sent.
   */
  async settle(): Promise<FailedTake[]> {
    const failed: FailedTake[] = [];
    const back = this.ready.splice(0).map((r) => r.reply);
    while (this.inFlight.length > 0) {
      const outcome = await this.inFlight.shift()!;
      if (!('replies' in outcome)) failed.push(outcome);
      else back.push(...outcome.replies);
    }
    const keys = back.filter((r) => r.source !== 'none').map((r) => r.batchKey);
    for (const key of keys) this.leases.drop(key);
    if (keys.length > 0) await this.taker.release(this.lane, keys);
    this.flowing = false;
    return failed;
  }

  /** One take ahead (no ack: the batches before it are not handled yet) while fewer than `upTo` are out. */
  private ahead(upTo: number): void {
    if (this.flowing && this.prefetching && this.inFlight.length < upTo) this.send([], false);
  }

  private send(acks: Ack[], fromRetry: boolean): void {
    const lane = this.lane;
    const count = fromRetry || !this.prefetching ? 1 : Math.max(1, Math.floor(this.groupSize()));
    // An acked batch's lease is kept until its ack goes out (it waited for the group's end).
    for (const a of acks) this.leases.drop(a.batchKey);
    this.inFlight.push(
      this.taker.take(lane, acks, fromRetry, count).then(
        (replies): Arrived => {
          for (const r of replies) if (r.items.length > 0) this.leases.hold(r.batchKey, lane.index, r.leaseMs);
          const full = replies.length === count && replies.every((r) => r.source === 'input' && r.items.length >= this.batchSize && r.retryLength === 0);
          return { replies, arrivedAt: this.now(), full };
        },
        (error: unknown): Arrived => ({ error, acks }),
      ),
    );
  }
}

/** Handler time one take's group may hold, in ms: at most this much work waits behind a running batch. */
export const GROUP_BUDGET_MS = 5;
/** Items one take's group holds at most (batches of 1: up to 16 batches per take). */
export const GROUP_MAX_ITEMS = 16;

/** Handler times GroupPace keeps: its estimate is their median. */
const PACE_SAMPLES = 16;

/**
 * How many batches a lane's take asks for at small batches: as many as fit in GROUP_BUDGET_MS of
 * handler time, at most GROUP_MAX_ITEMS items, and 1 until a handler has run. The handler time is
 * the median of the lane's last PACE_SAMPLES handlers (a process descheduled mid-handler on a
 * loaded machine is an outlier, not a slow handler), or an eighth of the last one if that is more
 * (a handler turning slow brings the group down at once).
 */
export class GroupPace {
  private readonly samples: number[] = [];
  private next = 0;
  private last = 0;
  private readonly max: number;

  constructor(batchSize: number) {
    this.max = Math.max(1, Math.floor(GROUP_MAX_ITEMS / batchSize));
  }

  record(handlerMs: number): void {
    if (this.samples.length < PACE_SAMPLES) this.samples.push(handlerMs);
    else this.samples[this.next] = handlerMs;
    this.next = (this.next + 1) % PACE_SAMPLES;
    this.last = handlerMs;
  }

  size(): number {
    if (this.samples.length === 0) return 1;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const ms = Math.max(sorted[Math.floor(sorted.length / 2)], this.last / 8);
    return Math.min(this.max, Math.max(1, Math.floor(GROUP_BUDGET_MS / Math.max(ms, 0.001))));
  }
}
