import Redis, { Cluster, ReplyError } from 'ioredis';
import { DeliveryMode, decideDeliveryMode, startupLine } from '../delivery-mode';
import { QueueError } from '../errors/queue-error';
import { QueueConfig } from '../queue-defaults';
import { connectRedis, RedisClient, safeRedisOptions } from '../redis-client';
import { WorkQueue } from '../work-queue';
import { WorkerSettings } from './worker-settings';

/** What a handler gets besides its items. */
export interface BatchContext {
  batchKey: string;
  lane: number;
  /** True for a single item taken from retry (isolation: it failed before). */
  retried: boolean;
}

/** Gets a batch of items and returns one result per item, in order; a throw fails the whole batch. */
export type BatchHandler = (items: string[], ctx: BatchContext) => Promise<string[]> | string[];

type PendingAck = { batchKey: string; results: string[] } | { batchKey: string; count: number };
type LaneState = 'idle' | 'taking' | 'blocked' | 'handler' | 'parked' | 'done';

interface Lane {
  index: number;
  prefix: string;
  state: LaneState;
  blockingConn?: Redis;
  blockingId?: Promise<number | undefined>;
  blocking?: Promise<unknown>;
  /** The batch whose handler runs now, and since when (Date.now()); undefined between batches. */
  handlerKey?: string;
  handlerSince: number;
  /**
   * The lane's hung-handler watchdog: armed once and re-armed only when it fires, so a batch
   * costs no timer set-up or tear-down (at batch 1 that churn is per item). It fires at the
   * running handler's start + batch_timeout_s, or later, never earlier than that deadline.
   */
  watchdog?: NodeJS.Timeout;
}

interface HeldBatch {
  key: string;
  lane: number;
}

/** Redis error replies that say "try again soon", not "this is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)/;

function isConnectionProblem(err: unknown): boolean {
  if (err instanceof QueueError) return err.recoverable;
  if (err instanceof ReplyError) return TRANSIENT_REPLY.test((err as Error).message);
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One worker process of SPEC §4: `concurrency` lanes share one connection for take/ack/renew
 * (each lane's take also acks its previous batch: one round trip a batch); each lane's BLMOVE
 * runs on a connection of its own. Use through runWorker().
 */
export class Worker {
  private main!: RedisClient;
  private out?: RedisClient;
  private control?: RedisClient;
  private wq!: WorkQueue;
  private config!: QueueConfig;
  private mode!: DeliveryMode;
  private lanes: Lane[] = [];
  private held = new Map<string, HeldBatch>();
  private stopping = false;
  private isolation = false;
  private wakeParked: (() => void)[] = [];
  private lastWorkAt = Date.now();
  private renewTimer?: NodeJS.Timeout;
  private finished!: (code: number) => void;
  private readonly done = new Promise<number>((resolve) => (this.finished = resolve));

  constructor(
    private readonly handler: BatchHandler,
    private readonly s: WorkerSettings,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  private get blockMs(): number {
    return Math.round(this.s.blockS * 1000);
  }

  /** Connects, prints the start-up line, runs the lanes; resolves with the exit code. */
  async run(): Promise<number> {
    this.main = await connectRedis(this.s.inputUrl, { name: `gridcore-worker:${this.s.nodeId}:${this.s.instance}`, log: this.log });
    this.mode = decideDeliveryMode({
      inputUrl: this.s.inputUrl,
      outputUrl: this.s.outputUrl,
      inputQueue: this.s.inputQueue,
      outputQueue: this.s.outputQueue,
      cluster: this.main instanceof Cluster,
    });
    const exactlyOnce = this.mode.mode === 'exactly-once';
    if (!exactlyOnce) this.out = await connectRedis(this.s.outputUrl, { name: 'gridcore-worker-output', log: this.log });
    this.wq = new WorkQueue(this.main, this.s.inputQueue, {
      outputQueue: this.s.outputQueue,
      exactlyOnce,
      defaults: this.s.envConfig,
    });
    await this.wq.scripts.preload(this.main);
    this.config = await this.wq.readConfig();
    this.print(
      startupLine({
        task: this.s.task,
        node: this.s.nodeId,
        instance: this.s.instance,
        run: this.s.runId,
        input: this.s.inputQueue,
        output: this.s.outputQueue,
        batch: this.s.batch,
        concurrency: this.s.concurrency,
        leaseS: this.config.leaseS,
        batchTimeoutS: this.config.batchTimeoutS,
        maxAttempts: this.config.maxAttempts,
        mode: this.mode,
      }),
    );
    for (let i = 0; i < this.s.concurrency; i++) {
      const slot = { nodeId: this.s.nodeId, instance: this.s.instance, runId: this.s.runId, lane: i };
      this.lanes.push({ index: i, prefix: this.wq.keys.lanePrefix(slot), state: 'idle', handlerSince: 0 });
    }
    this.renewTimer = setInterval(() => this.renewAll(), Math.max(100, (this.config.leaseS * 1000) / 3));
    this.lastWorkAt = Date.now();
    for (const lane of this.lanes) {
      this.laneLoop(lane).catch((err) => this.fatal(`lane ${lane.index} stopped: ${(err as Error).stack ?? err}`));
    }
    return this.done;
  }

  /** SIGTERM: end pending BLMOVEs, hand back what this process holds, exit 0. */
  stop(reason = 'SIGTERM'): Promise<number> {
    void this.shutdown(0, reason);
    return this.done;
  }

  private async laneLoop(lane: Lane): Promise<void> {
    let pending: PendingAck | undefined;
    for (;;) {
      if (this.stopping) {
        if (pending) await this.ackOnly(lane, pending);
        lane.state = 'done';
        return;
      }
      if (this.isolation && lane.index !== 0) {
        if (pending) await this.ackOnly(lane, pending);
        pending = undefined;
        lane.state = 'parked';
        await new Promise<void>((resolve) => this.wakeParked.push(resolve));
        lane.state = 'idle';
        continue;
      }
      const fromRetry = this.isolation && lane.index === 0;
      if (fromRetry) {
        // Let the other lanes finish and ack what they hold before retried items run alone.
        while (!this.stopping && this.isolation && this.lanes.some((l) => l.index !== 0 && l.state !== 'parked' && l.state !== 'done')) {
          await sleep(20);
        }
        if (this.stopping || !this.isolation) continue;
      }
      lane.state = 'taking';
      let reply;
      try {
        reply = await this.wq.take({
          ack: pending,
          lanePrefix: lane.prefix,
          nodeId: this.s.nodeId,
          size: this.s.batch,
          fromRetry,
          blockMs: this.blockMs,
        });
      } catch (err) {
        const unacked = pending;
        pending = undefined;
        await this.recover(lane, err, unacked);
        continue;
      }
      pending = undefined;
      lane.state = 'idle';
      if (reply.ack === 'gone') this.log(`gridcore-worker: a batch of lane ${lane.index} was requeued before its ack (lease lapsed); its results were not pushed`);
      if (this.stopping) continue;
      if (fromRetry && reply.source !== 'retry') this.endIsolation();
      else if (!this.isolation && reply.retryLength > 0) this.enterIsolation();
      let items = reply.items;
      if (reply.source === 'wait') {
        const got = await this.waitForItem(lane, reply.batchKey, reply.leaseMs, reply.retryLength);
        if (got === null) continue;
        items = [got];
      }
      this.lastWorkAt = Date.now();
      pending = await this.handle(lane, reply.batchKey, items, reply.source === 'retry');
    }
  }

  /** The waiting path: one BLMOVE into the fresh waiting key, on the lane's own connection. */
  private async waitForItem(lane: Lane, key: string, leaseMs: number, retryLength: number): Promise<string | null> {
    const enoughLease = leaseMs >= this.blockMs + 5000;
    if (this.isolation || retryLength > 0 || !enoughLease) {
      await this.release(lane, key);
      if (!enoughLease && !this.isolation) await this.idleTick(Math.min(this.blockMs, 1000));
      return null;
    }
    let item: string | null;
    lane.state = 'blocked';
    try {
      const conn = await this.blockingConnection(lane);
      lane.blockingId = (conn.client('ID') as Promise<number>).catch(() => undefined);
      const moved = conn.blmove(this.s.inputQueue, key, 'RIGHT', 'LEFT', this.s.blockS);
      lane.blocking = moved.catch(() => undefined);
      item = await moved;
    } catch (err) {
      // A lost BLMOVE reply may have moved an item after all: hand the key back, never ack it.
      await this.recover(lane, err);
      return null;
    } finally {
      lane.blocking = undefined;
      lane.blockingId = undefined;
      lane.state = 'idle';
    }
    if (item === null) {
      await this.release(lane, key);
      await this.idleTick(0);
      return null;
    }
    if (this.stopping) return null;
    try {
      const renewed = await this.wq.renew(key);
      return renewed.alive ? item : null;
    } catch (err) {
      await this.recover(lane, err);
      return null;
    }
  }

  private async idleTick(sleepMs: number): Promise<void> {
    if (this.stopping || this.isolation) return;
    if (Date.now() - this.lastWorkAt >= this.s.idleExitS * 1000) {
      void this.shutdown(0, `idle for ${this.s.idleExitS}s`);
      return;
    }
    if (sleepMs > 0) await sleep(sleepMs);
  }

  private async release(lane: Lane, key: string): Promise<void> {
    try {
      await this.wq.handBack([key]);
    } catch (err) {
      await this.recover(lane, err);
    }
  }

  private async handle(lane: Lane, key: string, items: string[], retried: boolean): Promise<PendingAck | undefined> {
    lane.state = 'handler';
    this.held.set(key, { key, lane: lane.index });
    this.handlerStarted(lane, key);
    let results: string[];
    try {
      results = await this.handler(items, { batchKey: key, lane: lane.index, retried });
      if (!Array.isArray(results) || results.length !== items.length) {
        throw new Error(`handler returned ${Array.isArray(results) ? results.length : typeof results} result(s) for ${items.length} item(s)`);
      }
      const bad = results.findIndex((r) => typeof r !== 'string');
      if (bad >= 0) throw new Error(`handler result ${bad} is a ${typeof results[bad]}, not a string`);
    } catch (err) {
      lane.handlerKey = undefined;
      this.held.delete(key);
      lane.state = 'idle';
      this.log(`gridcore-worker: handler failed on ${items.length} item(s) (${(err as Error).message}); batch requeued with an attempt`);
      await this.requeueFailed(lane, key);
      if (!this.stopping) this.enterIsolation();
      return undefined;
    }
    lane.handlerKey = undefined;
    this.held.delete(key);
    lane.state = 'idle';
    if (this.mode.mode === 'exactly-once') return { batchKey: key, results };
    await this.pushOutput(lane, results);
    return { batchKey: key, count: results.length };
  }

  /** Notes a handler's start; arms the lane's watchdog if it is not armed already. */
  private handlerStarted(lane: Lane, key: string): void {
    lane.handlerKey = key;
    lane.handlerSince = Date.now();
    if (!lane.watchdog) this.armWatchdog(lane, this.config.batchTimeoutS * 1000);
  }

  /**
   * Fires at (or after) the deadline of the handler that ran when it was armed. If a handler
   * runs now and has reached batch_timeout_s, that is a hung handler; if a later one runs, the
   * watchdog re-arms for that one's deadline; if none runs, it rests until the next handler.
   */
  private armWatchdog(lane: Lane, delayMs: number): void {
    lane.watchdog = setTimeout(() => {
      lane.watchdog = undefined;
      const key = lane.handlerKey;
      if (key === undefined) return;
      const left = lane.handlerSince + this.config.batchTimeoutS * 1000 - Date.now();
      if (left <= 0) void this.hung(key);
      else this.armWatchdog(lane, left);
    }, delayMs);
  }

  /** At-least-once: the results go out with their own command before the ack. */
  private async pushOutput(lane: Lane, results: string[]): Promise<void> {
    for (;;) {
      try {
        if (results.length > 0) await (this.out as RedisClient).lpush(this.s.outputQueue, ...results);
        return;
      } catch (err) {
        if (!isConnectionProblem(err)) return this.fatal(`cannot push results to output list ${this.s.outputQueue}: ${(err as Error).message}`);
        if (this.stopping) return;
        await sleep(200);
      }
    }
  }

  /** Requeue by key is safe to repeat: a second call finds the list gone. */
  private async requeueFailed(lane: Lane, key: string): Promise<void> {
    for (;;) {
      try {
        await this.wq.requeue([key]);
        return;
      } catch (err) {
        if (!isConnectionProblem(err)) return this.fatal((err as Error).message);
        if (this.stopping) return;
        await this.whenReady();
      }
    }
  }

  private async ackOnly(lane: Lane, pending: PendingAck): Promise<void> {
    try {
      await this.wq.ack(pending.batchKey, this.s.nodeId, 'results' in pending ? { results: pending.results } : { count: pending.count });
    } catch (err) {
      await this.recover(lane, err, pending);
    }
  }

  /**
   * After a lost reply or a cut connection: wait for Redis, re-send the lane's ack (an ack by
   * batch key is idempotent), then hand back whatever else the lane may hold by its prefix.
   */
  private async recover(lane: Lane, err: unknown, pending?: PendingAck): Promise<void> {
    if (!isConnectionProblem(err)) return this.fatal((err as Error).message);
    for (let attempt = 0; !this.stopping; attempt++) {
      await this.whenReady();
      if (this.stopping) return;
      try {
        if (pending) {
          await this.wq.ack(pending.batchKey, this.s.nodeId, 'results' in pending ? { results: pending.results } : { count: pending.count });
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

  private async whenReady(): Promise<void> {
    while (!this.stopping && this.main.status !== 'ready') await sleep(100);
  }

  private renewAll(): void {
    for (const batch of this.held.values()) {
      this.wq.renew(batch.key).catch(() => undefined);
    }
  }

  private enterIsolation(): void {
    if (this.isolation) return;
    this.isolation = true;
    void this.unblockAll();
  }

  private endIsolation(): void {
    this.isolation = false;
    const wake = this.wakeParked;
    this.wakeParked = [];
    wake.forEach((w) => w());
  }

  private async blockingConnection(lane: Lane): Promise<Redis> {
    if (lane.blockingConn) return lane.blockingConn;
    let conn: Redis;
    if (this.main instanceof Cluster) {
      const owner = (this.main.slots[this.wq.keys.slot] ?? [])[0];
      if (!owner) throw new Error(`no cluster node owns slot ${this.wq.keys.slot}`);
      const [host, port] = [owner.slice(0, owner.lastIndexOf(':')), Number(owner.slice(owner.lastIndexOf(':') + 1))];
      const { username, password } = this.main.options.redisOptions ?? {};
      conn = new Redis({ ...safeRedisOptions(`gridcore-worker-block-${lane.index}`), host, port, username, password });
      if (!this.control) {
        this.control = new Redis({ ...safeRedisOptions('gridcore-worker-control'), host, port, username, password });
        this.control.on('error', () => undefined);
        await (this.control as Redis).connect();
      }
    } else {
      conn = new Redis(this.s.inputUrl, safeRedisOptions(`gridcore-worker-block-${lane.index}`));
    }
    conn.on('error', () => undefined);
    lane.blockingConn = conn;
    await conn.connect();
    return conn;
  }

  /** Ends every pending BLMOVE with CLIENT UNBLOCK (a BLMOVE not yet blocking is retried). */
  private async unblockAll(): Promise<void> {
    const control = this.control ?? this.main;
    await Promise.all(
      this.lanes.map(async (lane) => {
        const deadline = Date.now() + this.blockMs + 2000;
        while (lane.blocking && Date.now() < deadline) {
          const pendingMove = lane.blocking;
          try {
            const id = await lane.blockingId;
            if (id !== undefined) await (control as Redis).client('UNBLOCK', id);
          } catch {
            // the connection is gone; the BLMOVE ends with it
          }
          await Promise.race([pendingMove, sleep(50)]);
        }
      }),
    );
  }

  private async shutdown(code: number, reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log(`gridcore-worker: stopping (${reason}); handing back what this process holds`);
    this.endIsolation();
    await this.unblockAll();
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && this.lanes.some((l) => l.state !== 'done' && l.state !== 'handler')) await sleep(10);
    await this.handBackAll();
    this.finish(code);
  }

  private async handBackAll(): Promise<void> {
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

  /** A handler outlived batch_timeout_s: requeue that batch with an attempt, hand back the rest, exit 1. */
  private async hung(key: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log(`gridcore-worker: a handler is still running after batch_timeout_s=${this.config.batchTimeoutS}; requeuing its batch and exiting 1`);
    await Promise.race([
      (async () => {
        await this.wq.requeue([key]).catch(() => undefined);
        await this.handBackAll();
      })(),
      sleep(5000),
    ]);
    this.finish(1);
  }

  private fatal(message: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log(`gridcore-worker: ${message}`);
    void Promise.race([this.handBackAll(), sleep(5000)]).then(() => this.finish(1));
  }

  private finish(code: number): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    for (const lane of this.lanes) if (lane.watchdog) clearTimeout(lane.watchdog);
    for (const lane of this.lanes) lane.blockingConn?.disconnect();
    this.control?.disconnect();
    this.out?.disconnect();
    this.main?.disconnect();
    this.finished(code);
  }
}
