import type { LaneTakeCall, TakeReply } from '../work-queue';
import { WorkQueue } from '../work-queue';
import type { FailureCause } from '../failure-cause';
import { errorMessage } from '../failure-cause';
import { Connections } from './connections';
import { classifyError, ErrorRule } from './error-rule';

const classifyConnection = (err: unknown) => ['connection', 'transient', 'briefly'].includes(classifyError(err));
import type { Lane } from './lanes';
import type { WorkerSettings } from './settings';
import { sleep, StopSignal } from './stop-signal';

/** A lane's previous batch, acked with its next take (or alone when the lane stops). */
export type PendingAck = { batchKey: string; results: string[] } | { batchKey: string; count: number };

/**
 * The worker's script calls (take, ack, requeue, hand-back by key or by slot) and what it does
 * when one fails: wait for Redis, re-send what is safe to re-send, hand back what is not.
 * Which failures are retried is the ErrorRule's call (error-rule.ts); any other goes to `fatal`
 * with the error, which decides whether the worker's batches are requeued or handed back.
 */
export class WorkerScriptRunner {
  constructor(
    readonly wq: WorkQueue,
    private readonly s: WorkerSettings,
    private readonly conns: Connections,
    private readonly stop: StopSignal,
    private readonly fatal: (message: string, err?: unknown) => void,
    private readonly log: (line: string) => void,
  ) {
    this.rule = new ErrorRule(log);
  }

  private readonly rule: ErrorRule;

  /** Whether to retry after `err` (the shared rule); a call that worked ends the episode. */
  retryable(err: unknown): boolean {
    return this.rule.retry(err);
  }

  succeeded(): void {
    this.rule.ok();
  }

  private giveUp(err: unknown): void {
    this.fatal(errorMessage(err), err);
  }

  /** Each lane's take call, its constant arguments built once (at batch 1 a take is per item). */
  private readonly laneTakes = new Map<number, LaneTakeCall>();

  take(lane: Lane, pending: PendingAck | undefined, fromRetry: boolean): Promise<TakeReply> {
    let call = this.laneTakes.get(lane.index);
    if (!call) {
      const s = this.s;
      call = this.wq.laneTakes({ lanePrefix: lane.prefix, nodeId: s.nodeId, size: s.batch, blockMs: Math.round(s.blockS * 1000) });
      this.laneTakes.set(lane.index, call);
    }
    return call.take(pending, fromRetry);
  }

  private ack(pending: PendingAck): Promise<unknown> {
    return this.wq.ack(pending.batchKey, this.s.nodeId, 'results' in pending ? { results: pending.results } : { count: pending.count });
  }

  async ackOnly(lane: Lane, pending: PendingAck): Promise<void> {
    try {
      await this.ack(pending);
    } catch (err) {
      await this.recover(lane, err, pending);
    }
  }

  /** Hands a waiting key back (nothing moved into it, or the lane will not use it). */
  async release(lane: Lane, key: string): Promise<void> {
    try {
      await this.wq.handBack([key]);
    } catch (err) {
      await this.recover(lane, err);
    }
  }

  /** Requeue by key (with the failure's cause) is safe to repeat: a second call finds the list gone. */
  async requeueFailed(key: string, cause?: FailureCause): Promise<void> {
    for (;;) {
      try {
        await this.wq.requeue([key], cause);
        return;
      } catch (err) {
        if (!this.retryable(err)) return this.giveUp(err);
        if (this.stop.isSet) return;
        await this.conns.whenReady(this.stop.stopped);
      }
    }
  }

  /**
   * After a lost reply or a cut connection: wait for Redis, re-send the lane's ack (an ack by
   * batch key is idempotent), then hand back whatever else the lane may hold by its prefix.
   */
  async recover(lane: Lane, err: unknown, pending?: PendingAck): Promise<void> {
    if (!this.retryable(err)) return this.giveUp(err);
    for (let attempt = 0; !this.stop.isSet; attempt++) {
      await this.conns.whenReady(this.stop.stopped);
      if (this.stop.isSet) return;
      try {
        if (pending) {
          await this.ack(pending);
          pending = undefined;
        }
        await this.wq.returnSlot(lane.prefix, 'hand-back');
        return;
      } catch (again) {
        if (!this.retryable(again)) return this.giveUp(again);
        await sleep(Math.min(100 * 2 ** attempt, 1000));
      }
    }
  }

  /**
   * Everything this process holds goes back: without an attempt (stop, hang, a known fatal
   * error), or with one and `cause` recorded (an unknown error: its items may be what fails).
   */
  async handBackAll(cause?: FailureCause): Promise<void> {
    const prefix = this.wq.keys.slotPrefix(this.s.nodeId, this.s.instance, this.s.runId);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        await this.wq.returnSlot(prefix, cause ? 'requeue' : 'hand-back', 100, cause);
        return;
      } catch (err) {
        if (classifyConnection(err)) {
          await sleep(200);
          continue;
        }
        break;
      }
    }
    this.log(`gridcore-worker: could not ${cause ? 'requeue' : 'hand back'} (redis unreachable); leases will return the items`);
  }
}
