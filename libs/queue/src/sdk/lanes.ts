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

/** A lane's previous batch, acked with its next take (WorkerScriptRunner's PendingAck). */
type Ack = TakeRequest['ack'];

/** What a lane's takes go through (WorkerScriptRunner). */
export interface LaneTaker {
  take(lane: Lane, ack: Ack, fromRetry: boolean): Promise<TakeReply>;
  /** A key the lane will not use: back to the input without an attempt. */
  release(lane: Lane, batchKey: string): Promise<void>;
}

/** Whose leases are kept alive while the worker holds a batch (LeaseKeeper). */
export interface LeaseHolder {
  hold(batchKey: string, lane: number, leaseMs: number): void;
  drop(batchKey: string): boolean;
}

/** A take that failed (connection lost, reply lost): the ack it carried must be re-sent. */
export interface FailedTake {
  error: unknown;
  ack: Ack;
}

/** A take's reply, and how long it waited (ms) after arriving before the lane read it. */
export interface TakenReply {
  reply: TakeReply;
  ageMs: number;
}

export type TakeOutcome = TakenReply | FailedTake;
type Arrived = { reply: TakeReply; arrivedAt: number } | FailedTake;

/** Below this many items per batch a round trip costs more than the batch: prefetch. */
export const PREFETCH_BELOW_BATCH = 10;

/**
 * A lane's takes in flight, oldest first: one, or, while full batches of fewer than
 * PREFETCH_BELOW_BATCH items flow, two (the take of batch k+1 is out while batch k is handled,
 * so the worker never waits a whole round trip per batch). Each batch's lease is held from the
 * moment its reply arrives; settle() hands back every batch taken and not started.
 */
export class LaneTakes {
  private readonly inFlight: Promise<Arrived>[] = [];
  private flowing = false;

  constructor(
    private readonly lane: Lane,
    private readonly taker: LaneTaker,
    private readonly leases: LeaseHolder,
    private readonly batchSize: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.inFlight.length;
  }

  get prefetching(): boolean {
    return this.batchSize < PREFETCH_BELOW_BATCH;
  }

  /** Sends the take carrying `ack` (or the first take), and while full batches flow, one more ahead. */
  fill(ack: Ack, fromRetry: boolean): void {
    if (ack || this.inFlight.length === 0) this.send(ack, fromRetry);
    if (!fromRetry) this.ahead(2);
  }

  /** The oldest take's outcome; a full batch with nothing behind it sends the next take at once. */
  async next(): Promise<TakeOutcome> {
    const outcome = await this.inFlight.shift()!;
    if (!('reply' in outcome)) {
      this.flowing = false;
      return outcome;
    }
    const { reply, arrivedAt } = outcome;
    // Retried items in sight start isolation: nothing is taken ahead then.
    this.flowing = reply.source === 'input' && reply.items.length >= this.batchSize && reply.retryLength === 0;
    this.ahead(1);
    return { reply, ageMs: this.now() - arrivedAt };
  }

  /** A reply the lane will not start after all (it stops): settle() hands it back first. */
  unstarted(taken: TakenReply): void {
    this.inFlight.unshift(Promise.resolve({ reply: taken.reply, arrivedAt: this.now() - taken.ageMs }));
  }

  /**
   * Waits for every take in flight and hands back, without an attempt, what they took (never
   * started); the failed ones are returned, for their acks to be re-sent.
   */
  async settle(): Promise<FailedTake[]> {
    const failed: FailedTake[] = [];
    while (this.inFlight.length > 0) {
      const outcome = await this.inFlight.shift()!;
      if (!('reply' in outcome)) failed.push(outcome);
      else if (outcome.reply.source !== 'none') {
        this.leases.drop(outcome.reply.batchKey);
        await this.taker.release(this.lane, outcome.reply.batchKey);
      }
    }
    this.flowing = false;
    return failed;
  }

  /** One take ahead (no ack: the batch before it is not handled yet) while fewer than `upTo` are out. */
  private ahead(upTo: number): void {
    if (this.flowing && this.prefetching && this.inFlight.length < upTo) this.send(undefined, false);
  }

  private send(ack: Ack, fromRetry: boolean): void {
    const lane = this.lane;
    this.inFlight.push(
      this.taker.take(lane, ack, fromRetry).then(
        (reply): Arrived => {
          if (reply.items.length > 0) this.leases.hold(reply.batchKey, lane.index, reply.leaseMs);
          return { reply, arrivedAt: this.now() };
        },
        (error: unknown): Arrived => ({ error, ack }),
      ),
    );
  }
}
