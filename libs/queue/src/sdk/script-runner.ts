import type { LaneTakeCall, TakeReply } from '../work-queue';
import { WorkQueue } from '../work-queue';
import { Connections, isConnectionProblem } from './connections';
import type { Lane } from './lanes';
import type { WorkerSettings } from './settings';
import { sleep, StopSignal } from './stop-signal';

/** A lane's previous batch, acked with its next take (or alone when the lane stops). */
export type PendingAck = { batchKey: string; results: string[] } | { batchKey: string; count: number };

/**
 * The worker's script calls (take, ack, requeue, hand-back by key or by slot) and what it does
 * when one fails: wait for Redis, re-send what is safe to re-send, hand back what is not.
 * A failure that is not a connection problem goes to `fatal`.
 */
export class WorkerScriptRunner {
  constructor(
    readonly wq: WorkQueue,
    private readonly s: WorkerSettings,
    private readonly conns: Connections,
    private readonly stop: StopSignal,
    private readonly fatal: (message: string) => void,
    private readonly log: (line: string) => void,
  ) {}

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

  /** Requeue by key is safe to repeat: a second call finds the list gone. */
  async requeueFailed(key: string): Promise<void> {
    for (;;) {
      try {
        await this.wq.requeue([key]);
        return;
      } catch (err) {
        if (!isConnectionProblem(err)) return this.fatal((err as Error).message);
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
    if (!isConnectionProblem(err)) return this.fatal((err as Error).message);
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
        if (!isConnectionProblem(again)) return this.fatal((again as Error).message);
        await sleep(Math.min(100 * 2 ** attempt, 1000));
      }
    }
  }

  /** Everything this process holds goes back without an attempt (stop, hang, fatal error). */
  async handBackAll(): Promise<void> {
    const prefix = this.wq.keys.slotPrefix(this.s.nodeId, this.s.instance, this.s.runId);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        await this.wq.returnSlot(prefix, 'hand-back');
        return;
      } catch (err) {
        if (!isConnectionProblem(err)) break;
        await sleep(200);
      }
    }
    this.log('gridcore-worker: could not hand back (redis unreachable); leases will return the items');
  }
}
