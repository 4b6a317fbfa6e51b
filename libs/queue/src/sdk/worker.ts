import { startupLine } from '../delivery-mode';
import { QueueConfig } from '../queue-defaults';
import type { RedisClient } from '../redis-client';
import { TakeReply, WorkQueue } from '../work-queue';
import { errorMessage, FailureCause } from '../failure-cause';
import { Connections } from './connections';
import { requeuesOnFatal } from './error-rule';
import { BatchHandler, checkResults } from './handler';
import { HungWatchdog } from './hung-watchdog';
import { GroupPace, Lane, Lanes, LaneTakes } from './lanes';
import { LeaseKeeper } from './lease-keeper';
import { OutputPushError, OutputWriter } from './output-writer';
import { PendingAck, WorkerScriptRunner } from './script-runner';
import { WorkerSettings } from './settings';
import { sleep, StopSignal, within } from './stop-signal';

export type { BatchContext, BatchHandler } from './handler';

/**
 * One worker process of SPEC §4: `concurrency` lanes share one connection for take/ack/renew
 * (each lane's take also acks its previous batch: one round trip a batch, and at small batches
 * the next take is out while a batch is handled: LaneTakes); each lane's BLMOVE runs on a
 * connection of its own. Use through runWorker().
 */
export class Worker {
  private readonly conns: Connections;
  private readonly blockMs: number;
  private readonly stop_ = new StopSignal();
  private scripts!: WorkerScriptRunner;
  private config!: QueueConfig;
  private lanes!: Lanes;
  private keeper!: LeaseKeeper;
  private output?: OutputWriter;
  private watchdogs: HungWatchdog[] = [];
  private lastWorkAt = Date.now();
  /** Each lane's finished batches whose acks wait for a later take (a group's last batch to start). */
  private readonly unacked = new Map<number, PendingAck[]>();
  private finished!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => (this.finished = resolve));

  constructor(
    private readonly handler: BatchHandler,
    private readonly s: WorkerSettings,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {
    this.conns = new Connections(s, log);
    this.blockMs = Math.round(s.blockS * 1000);
  }

  /** Connects, prints the start-up line, runs the lanes; resolves with the exit code. */
  async run(): Promise<number> {
    const s = this.s;
    const mode = await this.conns.open();
    const exactlyOnce = mode.mode === 'exactly-once';
    const wq = new WorkQueue(this.conns.main, s.inputQueue, { outputQueue: s.outputQueue, exactlyOnce, defaults: s.envConfig });
    if (!exactlyOnce) this.output = new OutputWriter(this.conns.out as RedisClient, s.outputQueue, this.stop_);
    this.scripts = new WorkerScriptRunner(wq, s, this.conns, this.stop_, (m, err) => this.fatal(m, err), this.log);
    await wq.scripts.preload(this.conns.main);
    const c = (this.config = await wq.readConfig());
    this.print(startupLine({ task: s.task, node: s.nodeId, instance: s.instance, run: s.runId, input: s.inputQueue, output: s.outputQueue,
      batch: s.batch, concurrency: s.concurrency, leaseS: c.leaseS, batchTimeoutS: c.batchTimeoutS, maxAttempts: c.maxAttempts, mode }));
    const slot = (lane: number) => ({ nodeId: s.nodeId, instance: s.instance, runId: s.runId, lane });
    this.lanes = new Lanes(Array.from({ length: s.concurrency }, (_, i) => wq.keys.lanePrefix(slot(i))));
    this.watchdogs = this.lanes.all.map(() => new HungWatchdog(c.batchTimeoutS * 1000, (key) => void this.hung(key)));
    this.keeper = new LeaseKeeper(wq, c.leaseS, this.log);
    this.keeper.start();
    this.lastWorkAt = Date.now();
    for (const lane of this.lanes.all) {
      this.laneLoop(lane).catch((err) => this.fatal(`lane ${lane.index} stopped: ${(err as Error).stack ?? err}`, err));
    }
    return this.done;
  }

  /** SIGTERM: end pending BLMOVEs, hand back what this process holds, exit 0. */
  stop(reason = 'SIGTERM'): Promise<number> {
    void this.shutdown(0, reason);
    return this.done;
  }

  private get stopping(): boolean {
    return this.stop_.isSet;
  }

  private async laneLoop(lane: Lane): Promise<void> {
    const lanes = this.lanes;
    const pace = new GroupPace(this.s.batch);
    const takes = new LaneTakes(lane, this.scripts, this.keeper, this.s.batch, Date.now, () => pace.size());
    const pending: PendingAck[] = [];
    this.unacked.set(lane.index, pending);
    for (;;) {
      const parking = lanes.isolation && lane.index !== 0;
      // A batch taken ahead and never started goes back without an attempt; retried items run alone.
      if (this.stopping || lanes.isolation) for (const f of await takes.settle()) await this.scripts.recover(lane, f.error, f.acks);
      if (this.stopping || parking) {
        await this.ackAlone(lane, pending.splice(0));
        if (this.stopping) return lanes.set(lane, 'done');
        await lanes.park(lane);
        continue;
      }
      const fromRetry = lanes.isolation && lane.index === 0;
      if (fromRetry) {
        // Let the other lanes finish and ack what they hold before retried items run alone.
        await lanes.until(() => this.stopping || !lanes.isolation || lanes.othersSettled());
        if (this.stopping || !lanes.isolation) continue;
      }
      lanes.set(lane, 'taking');
      pending.push(...takes.fill(pending.splice(0), fromRetry));
      const taken = await takes.next();
      if (!('reply' in taken)) {
        for (const f of [taken, ...(await takes.settle())]) await this.scripts.recover(lane, f.error, f.acks);
        continue;
      }
      const reply = taken.reply;
      this.scripts.succeeded();
      lanes.set(lane, 'idle');
      if (this.stopping) {
        takes.unstarted(taken);
        continue;
      }
      if (fromRetry && reply.source !== 'retry') lanes.endIsolation();
      else if (!lanes.isolation && reply.retryLength > 0) this.enterIsolation();
      const items = reply.source === 'wait' ? await this.waitForItem(lane, reply, taken.ageMs, takes.size) : reply.items;
      if (items === null) continue;
      this.lastWorkAt = Date.now();
      const started = performance.now();
      const ack = await this.handle(lane, reply.batchKey, items, reply.source === 'retry');
      pace.record(performance.now() - started);
      if (ack) pending.push(ack);
    }
  }

  /** Acks a lane's finished batches with no take (it stops or parks, the worker hangs); their leases are no longer kept. */
  private async ackAlone(lane: Lane, acks: PendingAck[]): Promise<void> {
    if (acks.length === 0) return;
    for (const a of acks) this.keeper.drop(a.batchKey);
    await this.scripts.ackOnly(lane, acks);
  }

  /** The waiting path: one BLMOVE into the fresh waiting key, on the lane's own connection; the item's lease is then kept. */
  private async waitForItem(lane: Lane, reply: TakeReply, ageMs: number, takesBehind: number): Promise<string[] | null> {
    const { batchKey: key, leaseMs, retryLength } = reply;
    const enoughLease = leaseMs >= this.blockMs + 5000;
    // Only a fresh key with no take behind it (a key taken ahead may have sat while a batch ran).
    const fresh = takesBehind === 0 && ageMs <= 1000;
    if (!fresh || this.lanes.isolation || retryLength > 0 || !enoughLease) {
      await this.scripts.release(lane, [key]);
      if (fresh && !enoughLease && !this.lanes.isolation) await this.idleTick(Math.min(this.blockMs, 1000));
      return null;
    }
    let item: string | null;
    this.lanes.set(lane, 'blocked');
    try {
      const conn = await this.conns.blockingConnection(lane, this.scripts.wq.keys.slot);
      lane.blockingId = (conn.client('ID') as Promise<number>).catch(() => undefined);
      const moved = conn.blmove(this.s.inputQueue, key, 'RIGHT', 'LEFT', this.s.blockS);
      lane.blocking = moved.catch(() => undefined);
      item = await moved;
    } catch (err) {
      // A lost BLMOVE reply may have moved an item after all: hand the key back, never ack it.
      await this.scripts.recover(lane, err);
      return null;
    } finally {
      lane.blocking = undefined;
      lane.blockingId = undefined;
      this.lanes.set(lane, 'idle');
    }
    if (item === null) {
      await this.scripts.release(lane, [key]);
      await this.idleTick(0);
      return null;
    }
    if (this.stopping) return null;
    try {
      const renewed = await this.scripts.wq.renew(key);
      if (renewed.alive) this.keeper.hold(key, lane.index, renewed.leaseMs);
      return renewed.alive ? [item] : null;
    } catch (err) {
      await this.scripts.recover(lane, err);
      return null;
    }
  }

  private async idleTick(sleepMs: number): Promise<void> {
    if (this.stopping || this.lanes.isolation) return;
    if (Date.now() - this.lastWorkAt >= this.s.idleExitS * 1000) return void this.shutdown(0, `idle for ${this.s.idleExitS}s`);
    if (sleepMs > 0) await sleep(sleepMs);
  }

  /** Runs the handler under the lease kept since its take; the ack to send next, or none (failed, or lease lost). */
  private async handle(lane: Lane, key: string, items: string[], retried: boolean): Promise<PendingAck | undefined> {
    this.lanes.set(lane, 'handler');
    this.watchdogs[lane.index].started(key);
    let results: string[];
    try {
      results = await this.handler(items, { batchKey: key, lane: lane.index, retried });
      checkResults(results, items);
    } catch (err) {
      await this.handlerEnded(lane, key, false);
      const message = errorMessage(err);
      this.log(`gridcore-worker: handler failed on ${items.length} item(s) (${message}); batch requeued with an attempt`);
      await this.scripts.requeueFailed(key, this.cause('error', message));
      if (!this.stopping) this.enterIsolation();
      return undefined;
    }
    // A lost lease means the batch may be someone else's now: neither push nor ack counts.
    if (await this.handlerEnded(lane, key)) return undefined;
    if (!this.output) return { batchKey: key, results };
    try {
      return (await this.output.push(results)) ? { batchKey: key, count: results.length } : undefined;
    } catch (err) {
      if (!(err instanceof OutputPushError)) throw err;
      this.fatal(err.message);
      return undefined;
    }
  }

  /**
   * True when the batch's lease was lost while its handler ran (a failed batch is requeued anyway).
   * A finished batch's lease stays kept until its ack goes out (LaneTakes drops it then).
   */
  private async handlerEnded(lane: Lane, key: string, succeeded = true): Promise<boolean> {
    this.watchdogs[lane.index].ended();
    this.lanes.set(lane, 'idle');
    if (!succeeded) return this.keeper.drop(key);
    return (await this.keeper.finished(key)) !== undefined;
  }

  private enterIsolation(): void {
    if (this.lanes.enterIsolation()) void this.conns.unblockAll(this.lanes.all, this.blockMs);
  }

  private async shutdown(code: number, reason: string): Promise<void> {
    if (!this.stop_.set()) return;
    this.log(`gridcore-worker: stopping (${reason}); handing back what this process holds`);
    this.lanes.endIsolation();
    await this.conns.unblockAll(this.lanes.all, this.blockMs);
    await within(this.lanes.until(() => this.lanes.all.every((l) => l.state === 'done' || l.state === 'handler')), 3000);
    await this.scripts.handBackAll();
    this.finish(code);
  }

  /** A handler outlived batch_timeout_s: requeue that batch with an attempt, hand back the rest, exit 1. */
  private async hung(key: string): Promise<void> {
    if (!this.stop_.set()) return;
    this.lanes.changed();
    this.log(`gridcore-worker: a handler is still running after batch_timeout_s=${this.config.batchTimeoutS}; requeuing its batch and exiting 1`);
    const cause = this.cause('hung', `hung past batch_timeout_s (${this.config.batchTimeoutS} s)`);
    const acked = Promise.all(this.lanes.all.map((l) => this.ackAlone(l, this.unacked.get(l.index)?.splice(0) ?? [])));
    await within(acked.then(() => this.scripts.wq.requeue([key], cause)).catch(() => undefined).then(() => this.scripts.handBackAll()), 5000);
    this.finish(1);
  }

  /**
   * Exit 1. After an error the rule does not know (error-rule.ts) the batches held go back with an
   * attempt and the error as their cause; after a known one (a key of the wrong type) without.
   */
  private fatal(message: string, err?: unknown): void {
    if (!this.stop_.set()) return;
    this.lanes?.changed();
    this.log(`gridcore-worker: ${message}`);
    const cause = requeuesOnFatal(err) ? this.cause('worker-error', `worker error: ${message}`) : undefined;
    void within(this.scripts.handBackAll(cause), 5000).then(() => this.finish(1));
  }

  /** A cause to record with a requeue; the image is the one the node said it started (GRIDCORE_IMAGE). */
  private cause(kind: FailureCause['kind'], message: string): FailureCause {
    const image = process.env.GRIDCORE_IMAGE;
    return image ? { kind, message, image } : { kind, message };
  }

  private finish(code: number): void {
    this.keeper?.stop();
    this.watchdogs.forEach((w) => w.stop());
    this.conns.closeAll();
    this.finished(code);
  }
}
