import type Redis from 'ioredis';

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
