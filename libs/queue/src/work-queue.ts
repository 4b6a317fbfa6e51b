import { isScriptError, scriptError } from './errors/script-error';
import { QueueConfig, QUEUE_DEFAULTS } from './queue-defaults';
import { QueueKeys } from './queue-keys';
import type { RedisClient } from './redis-client';
import { ScriptRunner } from './script-loader';

export interface TakeRequest {
  /** The lane's previous batch, acked in the same round trip. */
  ack?: { batchKey: string; results: string[] } | { batchKey: string; count: number };
  /** `P:batch:<node>:<instance>:<run>:<lane>:` (QueueKeys.lanePrefix); omit to ack and heal only. */
  lanePrefix?: string;
  nodeId: string;
  size?: number;
  /** Take one item from retry when it has any (isolation). */
  fromRetry?: boolean;
  /** Block time of the waiting path, in ms (a waiting key is leased for it + lease_s). */
  blockMs?: number;
}

export type AckOutcome = 'acked' | 'gone' | 'none';

export interface TakeReply {
  ack: AckOutcome;
  batchKey: string;
  items: string[];
  retryLength: number;
  leaseMs: number;
  source: 'input' | 'retry' | 'wait' | 'none';
  healed: number;
}

export interface RequeueResult {
  batches: number;
  items: number;
  dead: number;
}

export interface QueueStats {
  queue: string;
  input: number;
  retry: number;
  /** input + retry */
  pending: number;
  inFlight: number;
  batches: number;
  dead: number;
  processed: number;
  requeued: number;
  lastReapMs: number | null;
  nowMs: number;
  expiredLeases: number;
  config: Partial<QueueConfig>;
  /** The run id P:config carries (written by the hub with it), null when absent. */
  configRunId: string | null;
  perNode: Record<string, number>;
}

const ACK: Record<number, AckOutcome> = { 0: 'none', 1: 'acked', 2: 'gone' };

export interface WorkQueueOptions {
  /** The output list; with `exactlyOnce` results are pushed by the ack script itself. */
  outputQueue?: string;
  /** False: the caller pushes results with a separate command before acking (at-least-once). */
  exactlyOnce?: boolean;
  /** Fallbacks when P:config lacks a field (standalone workers: their env). */
  defaults?: Partial<QueueConfig>;
  scripts?: ScriptRunner;
}

/**
 * The queue protocol of one input queue (SPEC §4): every method is one script, one round trip.
 * Negative script codes come back as typed errors (errors/script-error.ts).
 */
export class WorkQueue {
  readonly keys: QueueKeys;
  readonly scripts: ScriptRunner;
  readonly defaults: QueueConfig;
  readonly exactlyOnce: boolean;
  readonly outputQueue?: string;

  constructor(
    readonly client: RedisClient,
    readonly queue: string,
    options: WorkQueueOptions = {},
  ) {
    this.keys = new QueueKeys(queue);
    this.scripts = options.scripts ?? new ScriptRunner();
    this.defaults = { ...QUEUE_DEFAULTS, ...stripUndefined(options.defaults ?? {}) };
    this.outputQueue = options.outputQueue;
    this.exactlyOnce = options.exactlyOnce ?? options.outputQueue !== undefined;
    if (this.exactlyOnce && !this.outputQueue) throw new Error('exactly-once acks need an output queue');
  }

  /** The KEYS of take and ack, built once (the hot path calls take once a batch); never mutated. */
  private ackKeysCache?: readonly string[];

  private ackKeys(): string[] {
    if (!this.ackKeysCache) {
      const k = this.keys;
      const output = this.exactlyOnce ? (this.outputQueue as string) : k.input;
      this.ackKeysCache = Object.freeze([k.input, k.seq, k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config, output]);
    }
    return this.ackKeysCache as string[];
  }

  private ackArgs(ack: TakeRequest['ack']): { push: string; count: number; results: string[] } {
    if (!ack) return { push: '0', count: 0, results: [] };
    if ('results' in ack) {
      if (!this.exactlyOnce) throw new Error('at-least-once: push results with pushResults(), then ack by count');
      return { push: '1', count: ack.results.length, results: ack.results };
    }
    return { push: '0', count: ack.count, results: [] };
  }

  private async call(name: string, keys: string[], args: (string | number)[], context = {}): Promise<unknown[]> {
    const reply = await this.scripts.run(this.client, name, keys, args);
    if (isScriptError(reply)) throw scriptError(name, reply, context);
    return reply as unknown[];
  }

  /** Ack the previous batch (optional), heal a few expired leases, take the next batch. */
  async take(req: TakeRequest): Promise<TakeReply> {
    const d = this.defaults;
    const ack = this.ackArgs(req.ack);
    const args: (string | number)[] = [
      req.ack?.batchKey ?? '',
      ack.push,
      req.nodeId,
      req.lanePrefix ?? '',
      req.size ?? QUEUE_DEFAULTS.batchSize,
      req.fromRetry ? '1' : '0',
      Math.round(req.blockMs ?? QUEUE_DEFAULTS.blockS * 1000),
      d.leaseS,
      d.batchTimeoutS,
      d.maxAttempts,
      ack.count,
      ...ack.results,
    ];
    const r = await this.call('take', this.ackKeys(), args, { batchKey: req.ack?.batchKey, given: ack.count });
    return {
      ack: ACK[r[0] as number],
      batchKey: r[1] as string,
      items: r[2] as string[],
      retryLength: r[3] as number,
      leaseMs: r[4] as number,
      source: r[5] as TakeReply['source'],
      healed: r[6] as number,
    };
  }

  /** Ack one batch: `results` (exactly-once) or `count` after pushResults (at-least-once). */
  async ack(batchKey: string, nodeId: string, ack: { results: string[] } | { count: number }): Promise<AckOutcome> {
    const a = this.ackArgs({ batchKey, ...ack } as TakeRequest['ack']);
    const r = await this.call('ack', this.ackKeys(), [batchKey, a.push, nodeId, a.count, ...a.results], {
      batchKey,
      given: a.count,
    });
    return ACK[r[0] as number];
  }

  /** Extend a live batch's lease; `alive` false when the batch is gone (nothing created). */
  async renew(batchKey: string): Promise<{ alive: boolean; leaseMs: number }> {
    const k = this.keys;
    const r = await this.call('renew', [k.leases, k.taken, k.config], [batchKey, this.defaults.leaseS, this.defaults.batchTimeoutS]);
    return { alive: r[0] === 1, leaseMs: r[1] as number };
  }

  /** Requeue batches with an attempt per item (a thrown handler error, the node after a crash). */
  async requeue(batchKeys: string[]): Promise<RequeueResult> {
    if (batchKeys.length === 0) return { batches: 0, items: 0, dead: 0 };
    const k = this.keys;
    const r = await this.call('requeue', [k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config], [this.defaults.maxAttempts, ...batchKeys]);
    return { batches: r[0] as number, items: r[1] as number, dead: r[2] as number };
  }

  /** Return batches without an attempt (SIGTERM, a released waiting key). */
  async handBack(batchKeys: string[]): Promise<{ batches: number; items: number }> {
    if (batchKeys.length === 0) return { batches: 0, items: 0 };
    const k = this.keys;
    const r = await this.call('hand-back', [k.input, k.leases, k.taken, k.retry, k.attempts], batchKeys);
    return { batches: r[0] as number, items: r[1] as number };
  }

  /**
   * Every leased batch under `slotPrefix` (QueueKeys.slotPrefix), requeued with an attempt or
   * handed back; loops while the 1000-item cap leaves some behind.
   */
  async returnSlot(slotPrefix: string, mode: 'requeue' | 'hand-back', maxCalls = 100): Promise<RequeueResult> {
    const k = this.keys;
    const total = { batches: 0, items: 0, dead: 0 };
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call(
        'requeue-by-slot',
        [k.input, k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config],
        [slotPrefix, mode, this.defaults.maxAttempts],
      );
      total.batches += r[0] as number;
      total.items += r[1] as number;
      total.dead += r[2] as number;
      if (r[3] !== 1) break;
    }
    return total;
  }

  /** Requeue leases past their deadline, `limit` per call, until none is left (or maxCalls). */
  async reapExpired(limit = 100, maxCalls = 100): Promise<RequeueResult & { dropped: number }> {
    const k = this.keys;
    const total = { batches: 0, items: 0, dead: 0, dropped: 0 };
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('reap', [k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config], [limit, this.defaults.maxAttempts]);
      total.batches += r[0] as number;
      total.items += r[1] as number;
      total.dead += r[2] as number;
      total.dropped += r[3] as number;
      if (r[4] !== 1) break;
    }
    return total;
  }

  /** Requeue the candidates that are batch lists without a lease and older than lease_s. */
  async requeueOrphans(candidates: string[]): Promise<RequeueResult> {
    if (candidates.length === 0) return { batches: 0, items: 0, dead: 0 };
    const k = this.keys;
    const r = await this.call(
      'requeue-orphans',
      [k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config],
      [this.defaults.leaseS, this.defaults.maxAttempts, ...candidates],
    );
    return { batches: r[0] as number, items: r[1] as number, dead: r[2] as number };
  }

  /** Move every dead item back to the input (1000 per call) and clear their attempts. */
  async requeueDead(maxCalls = 10_000): Promise<number> {
    const k = this.keys;
    let moved = 0;
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('requeue-dead', [k.input, k.dead, k.attempts], [1000]);
      moved += r[0] as number;
      if ((r[1] as number) === 0 || (r[0] as number) === 0) break;
    }
    return moved;
  }

  /** One snapshot of the queue's figures. */
  async stats(): Promise<QueueStats> {
    const k = this.keys;
    const r = await this.call('stats', [k.input, k.leases, k.retry, k.dead, k.stats, k.config], []);
    const pairs = (flat: unknown): Record<string, string> => {
      const out: Record<string, string> = {};
      const a = flat as string[];
      for (let i = 0; i + 1 < a.length; i += 2) out[a[i]] = a[i + 1];
      return out;
    };
    const cfg = pairs(r[10]);
    const perNode: Record<string, number> = {};
    for (const [node, n] of Object.entries(pairs(r[11]))) perNode[node] = Number(n);
    const config: Partial<QueueConfig> = {};
    if (cfg.lease_s) config.leaseS = Number(cfg.lease_s);
    if (cfg.batch_timeout_s) config.batchTimeoutS = Number(cfg.batch_timeout_s);
    if (cfg.max_attempts) config.maxAttempts = Number(cfg.max_attempts);
    const [input, retry] = [r[0] as number, r[1] as number];
    return {
      queue: this.queue,
      input,
      retry,
      pending: input + retry,
      inFlight: r[2] as number,
      batches: r[3] as number,
      dead: r[4] as number,
      processed: r[5] as number,
      requeued: r[6] as number,
      lastReapMs: (r[7] as number) > 0 ? (r[7] as number) : null,
      nowMs: r[8] as number,
      expiredLeases: r[9] as number,
      config,
      configRunId: cfg.run_id ?? null,
      perNode,
    };
  }

  /** Write P:config (the hub, when a task starts), with the run id the hub checks it by. */
  async writeConfig(config: Partial<QueueConfig> = {}, runId = ''): Promise<QueueConfig> {
    const c = { ...QUEUE_DEFAULTS, ...stripUndefined(config) };
    await this.call('write-config', [this.keys.config], [c.maxAttempts, c.leaseS, c.batchTimeoutS, runId]);
    return { leaseS: c.leaseS, batchTimeoutS: c.batchTimeoutS, maxAttempts: c.maxAttempts };
  }

  /** P:config as stored, with the worker's fallbacks for missing fields. */
  async readConfig(): Promise<QueueConfig> {
    const [lease, timeout, attempts] = await this.client.hmget(this.keys.config, 'lease_s', 'batch_timeout_s', 'max_attempts');
    const num = (v: string | null, d: number) => (v !== null && Number(v) > 0 ? Number(v) : d);
    return {
      leaseS: num(lease, this.defaults.leaseS),
      batchTimeoutS: num(timeout, this.defaults.batchTimeoutS),
      maxAttempts: num(attempts, this.defaults.maxAttempts),
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
