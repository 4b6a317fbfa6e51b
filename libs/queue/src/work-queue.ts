import { isScriptError, scriptError } from './errors/script-error';
import { QueueConfig, QUEUE_DEFAULTS } from './queue-defaults';
import type { ArgValue, KeyRole } from './protocol';
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

type Reply = Record<string, unknown>;
const num = (v: unknown) => v as number;

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

  /** Every key by its role (scripts/manifest.json), built once; output is Q when results go out on their own. */
  private rolesCache?: Readonly<Record<KeyRole, string>>;
  /** Each script's KEYS, built once (the hot path calls take once a batch); never mutated. */
  private readonly keysCache = new Map<string, string[]>();

  private keysOf(name: string): string[] {
    let keys = this.keysCache.get(name);
    if (!keys) {
      const k = this.keys;
      this.rolesCache ??= Object.freeze({
        input: k.input,
        seq: k.seq,
        leases: k.leases,
        taken: k.taken,
        retry: k.retry,
        attempts: k.attempts,
        dead: k.dead,
        stats: k.stats,
        config: k.config,
        output: this.exactlyOnce ? (this.outputQueue as string) : k.input,
      });
      keys = Object.freeze(this.scripts.protocol.keys(name, this.rolesCache)) as string[];
      this.keysCache.set(name, keys);
    }
    return keys;
  }

  private ackArgs(ack: TakeRequest['ack']): { push: string; count: number; results: string[] } {
    if (!ack) return { push: '0', count: 0, results: [] };
    if ('results' in ack) {
      if (!this.exactlyOnce) throw new Error('at-least-once: push results with pushResults(), then ack by count');
      return { push: '1', count: ack.results.length, results: ack.results };
    }
    return { push: '0', count: ack.count, results: [] };
  }

  /** One script by name: KEYS and ARGV built and the reply decoded by the manifest. */
  private async call(name: string, args: Record<string, ArgValue>, context = {}): Promise<Reply> {
    const protocol = this.scripts.protocol;
    const reply = await this.scripts.run(this.client, name, this.keysOf(name), protocol.args(name, args));
    if (isScriptError(reply)) throw scriptError(name, reply, context, protocol);
    return protocol.decode(name, reply as unknown[]);
  }

  /** Ack the previous batch (optional), heal a few expired leases, take the next batch. */
  async take(req: TakeRequest): Promise<TakeReply> {
    const d = this.defaults;
    const ack = this.ackArgs(req.ack);
    const r = await this.call(
      'take',
      {
        prev_batch_key: req.ack?.batchKey ?? '',
        push: ack.push,
        node_id: req.nodeId,
        lane_prefix: req.lanePrefix ?? '',
        size: req.size ?? QUEUE_DEFAULTS.batchSize,
        from_retry: req.fromRetry ? '1' : '0',
        block_ms: Math.round(req.blockMs ?? QUEUE_DEFAULTS.blockS * 1000),
        lease_s: d.leaseS,
        batch_timeout_s: d.batchTimeoutS,
        max_attempts: d.maxAttempts,
        result_count: ack.count,
        results: ack.results,
      },
      { batchKey: req.ack?.batchKey, given: ack.count },
    );
    return {
      ack: ACK[num(r.ack)],
      batchKey: r.batch_key as string,
      items: r.items as string[],
      retryLength: num(r.retry_len),
      leaseMs: num(r.lease_ms),
      source: r.source as TakeReply['source'],
      healed: num(r.healed),
    };
  }

  /** Ack one batch: `results` (exactly-once) or `count` after pushResults (at-least-once). */
  async ack(batchKey: string, nodeId: string, ack: { results: string[] } | { count: number }): Promise<AckOutcome> {
    const a = this.ackArgs({ batchKey, ...ack } as TakeRequest['ack']);
    const r = await this.call(
      'ack',
      { batch_key: batchKey, push: a.push, node_id: nodeId, result_count: a.count, results: a.results },
      { batchKey, given: a.count },
    );
    return ACK[num(r.ack)];
  }

  /** Extend a live batch's lease; `alive` false when the batch is gone (nothing created). */
  async renew(batchKey: string): Promise<{ alive: boolean; leaseMs: number }> {
    const r = await this.call('renew', { batch_key: batchKey, lease_s: this.defaults.leaseS, batch_timeout_s: this.defaults.batchTimeoutS });
    return { alive: r.alive === 1, leaseMs: num(r.lease_ms) };
  }

  /** Requeue batches with an attempt per item (a thrown handler error, the node after a crash). */
  async requeue(batchKeys: string[]): Promise<RequeueResult> {
    if (batchKeys.length === 0) return { batches: 0, items: 0, dead: 0 };
    const r = await this.call('requeue', { max_attempts: this.defaults.maxAttempts, batch_keys: batchKeys });
    return { batches: num(r.batches), items: num(r.items), dead: num(r.dead) };
  }

  /** Return batches without an attempt (SIGTERM, a released waiting key). */
  async handBack(batchKeys: string[]): Promise<{ batches: number; items: number }> {
    if (batchKeys.length === 0) return { batches: 0, items: 0 };
    const r = await this.call('hand-back', { batch_keys: batchKeys });
    return { batches: num(r.batches), items: num(r.items) };
  }

  /**
   * Every leased batch under `slotPrefix` (QueueKeys.slotPrefix), requeued with an attempt or
   * handed back; loops while the 1000-item cap leaves some behind.
   */
  async returnSlot(slotPrefix: string, mode: 'requeue' | 'hand-back', maxCalls = 100): Promise<RequeueResult> {
    const total = { batches: 0, items: 0, dead: 0 };
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('requeue-by-slot', { slot_prefix: slotPrefix, mode, max_attempts: this.defaults.maxAttempts });
      total.batches += num(r.batches);
      total.items += num(r.items);
      total.dead += num(r.dead);
      if (r.more !== 1) break;
    }
    return total;
  }

  /** Requeue leases past their deadline, `limit` per call, until none is left (or maxCalls). */
  async reapExpired(limit = 100, maxCalls = 100): Promise<RequeueResult & { dropped: number }> {
    const total = { batches: 0, items: 0, dead: 0, dropped: 0 };
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('reap', { limit, max_attempts: this.defaults.maxAttempts });
      total.batches += num(r.batches);
      total.items += num(r.items);
      total.dead += num(r.dead);
      total.dropped += num(r.dropped);
      if (r.more !== 1) break;
    }
    return total;
  }

  /** Requeue the candidates that are batch lists without a lease and older than lease_s. */
  async requeueOrphans(candidates: string[]): Promise<RequeueResult> {
    if (candidates.length === 0) return { batches: 0, items: 0, dead: 0 };
    const r = await this.call('requeue-orphans', { lease_s: this.defaults.leaseS, max_attempts: this.defaults.maxAttempts, candidates });
    return { batches: num(r.batches), items: num(r.items), dead: num(r.dead) };
  }

  /** Move every dead item back to the input (1000 per call) and clear their attempts. */
  async requeueDead(maxCalls = 10_000): Promise<number> {
    let moved = 0;
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('requeue-dead', { limit: 1000 });
      moved += num(r.moved);
      if (num(r.remaining) === 0 || num(r.moved) === 0) break;
    }
    return moved;
  }

  /**
   * One snapshot of the queue's figures, with the processed counts of the given nodes (at most
   * 1000; P:stats may hold any number of node fields, so they are asked for by id).
   */
  async stats(nodeIds: readonly string[] = []): Promise<QueueStats> {
    const r = await this.call('stats', { node_ids: nodeIds });
    const pairs = (flat: unknown): Record<string, string> => {
      const out: Record<string, string> = {};
      const a = flat as string[];
      for (let i = 0; i + 1 < a.length; i += 2) out[a[i]] = a[i + 1];
      return out;
    };
    const cfg = pairs(r.config);
    const perNode: Record<string, number> = {};
    for (const [node, n] of Object.entries(pairs(r.nodes))) perNode[node] = Number(n);
    const config: Partial<QueueConfig> = {};
    if (cfg.lease_s) config.leaseS = Number(cfg.lease_s);
    if (cfg.batch_timeout_s) config.batchTimeoutS = Number(cfg.batch_timeout_s);
    if (cfg.max_attempts) config.maxAttempts = Number(cfg.max_attempts);
    const [input, retry] = [num(r.input), num(r.retry)];
    return {
      queue: this.queue,
      input,
      retry,
      pending: input + retry,
      inFlight: num(r.in_flight),
      batches: num(r.batches),
      dead: num(r.dead),
      processed: num(r.processed),
      requeued: num(r.requeued),
      lastReapMs: num(r.last_reap_ms) > 0 ? num(r.last_reap_ms) : null,
      nowMs: num(r.now_ms),
      expiredLeases: num(r.expired),
      config,
      configRunId: cfg.run_id ?? null,
      perNode,
    };
  }

  /** Write P:config (the hub, when a task starts), with the run id the hub checks it by. */
  async writeConfig(config: Partial<QueueConfig> = {}, runId = ''): Promise<QueueConfig> {
    const c = { ...QUEUE_DEFAULTS, ...stripUndefined(config) };
    await this.call('write-config', { max_attempts: c.maxAttempts, lease_s: c.leaseS, batch_timeout_s: c.batchTimeoutS, run_id: runId });
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
