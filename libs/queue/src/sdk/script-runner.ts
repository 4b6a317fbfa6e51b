import type { LaneGroupTakeCall } from '../lane-group-take';
import type { LaneTakeCall, TakeReply } from '../work-queue';
import { WorkQueue } from '../work-queue';
import type { FailureCause } from '../failure-cause';
import { errorMessage } from '../failure-cause';
import { Connections } from './connections';
import { classifyError, ErrorRule } from './error-rule';
import { Lane, PREFETCH_BELOW_BATCH } from './lanes';

const classifyConnection = (err: unknown) => ['connection', 'transient', 'briefly'].includes(classifyError(err));
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
  /** Each lane's take-group call (batches under PREFETCH_BELOW_BATCH). */
  private readonly laneGroups = new Map<number, LaneGroupTakeCall>();

  /**
   * Acks `acks` and takes up to `count` batches. Small batches go through take-group (many acks
   * and batches per script run); larger ones through take, one ack and one batch per run.
   */
  async take(lane: Lane, acks: PendingAck[], fromRetry: boolean, count: number): Promise<TakeReply[]> {
    const s = this.s;
    const blockMs = Math.round(s.blockS * 1000);
    if (s.batch < PREFETCH_BELOW_BATCH) {
      let group = this.laneGroups.get(lane.index);
      if (!group) this.laneGroups.set(lane.index, (group = this.wq.laneGroupTakes({ lanePrefix: lane.prefix, nodeId: s.nodeId, size: s.batch, blockMs })));
      const r = await group.take(acks, fromRetry, count);
      if (r.gone > 0) this.logGone(lane, r.gone);
      return r.batches;
    }
    if (acks.length > 1) throw new Error('take: one ack per call at batches of PREFETCH_BELOW_BATCH or more');
    let call = this.laneTakes.get(lane.index);
    if (!call) this.laneTakes.set(lane.index, (call = this.wq.laneTakes({ lanePrefix: lane.prefix, nodeId: s.nodeId, size: s.batch, blockMs })));
    const reply = await call.take(acks[0], fromRetry);
    if (reply.ack === 'gone') this.logGone(lane, 1);
    return [reply];
  }

  private logGone(lane: Lane, n: number): void {
    this.log(`gridcore-worker: ${n === 1 ? 'a batch' : `${n} batches`} of lane ${lane.index} ${n === 1 ? 'was' : 'were'} requeued before ${n === 1 ? 'its' : 'their'} ack (lease lapsed); ${n === 1 ? 'its' : 'their'} results were not pushed`);
  }

  /** One ack alone, or several in one take-group run (which takes nothing). */
  private async ack(acks: PendingAck[]): Promise<void> {
    if (acks.length === 1) {
      const a = acks[0];
      await this.wq.ack(a.batchKey, this.s.nodeId, 'results' in a ? { results: a.results } : { count: a.count });
    } else if (acks.length > 1) {
      for (let i = 0; i < acks.length; i += 1000) await this.wq.ackMany(this.s.nodeId, acks.slice(i, i + 1000));
    }
  }

  async ackOnly(lane: Lane, acks: PendingAck[]): Promise<void> {
    try {
      await this.ack(acks);
    } catch (err) {
      await this.recover(lane, err, acks);
    }
  }

  /** Hands keys back (a waiting key nothing moved into, batches the lane will not start). */
  async release(lane: Lane, keys: string[]): Promise<void> {
    try {
      for (let i = 0; i < keys.length; i += 1000) await this.wq.handBack(keys.slice(i, i + 1000));
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
   * After a lost reply or a cut connection: wait for Redis, re-send the lane's acks (an ack by
   * batch key is idempotent), then hand back whatever else the lane may hold by its prefix.
   */
  async recover(lane: Lane, err: unknown, acks: PendingAck[] = []): Promise<void> {
    if (!this.retryable(err)) return this.giveUp(err);
    for (let attempt = 0; !this.stop.isSet; attempt++) {
      await this.conns.whenReady(this.stop.stopped);
      if (this.stop.isSet) return;
      try {
        if (acks.length > 0) {
          await this.ack(acks);
          acks = [];
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
