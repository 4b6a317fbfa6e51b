import { isScriptError, scriptError } from './errors/script-error';
import { QueueConfig, QUEUE_DEFAULTS } from './queue-defaults';
import { BatchAck, GroupTakeReply, LaneGroupTakeCall } from './lane-group-take';
import type { ArgValue, KeyRole } from './protocol';
import { encodeCause, FailureCause } from './failure-cause';
import { QueueKeys } from './queue-keys';
import type { RedisClient } from './redis-client';
import { ScriptRunner } from './script-loader';
import type { AckOutcome, TakeReply, TakeRequest } from './take-types';

export type { AckOutcome, TakeReply, TakeRequest } from './take-types';

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

  /** A script's KEYS by the manifest's roles, built once per script; never mutated. */
  keysOf(name: string): string[] {
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
        causes: k.causes,
        output: this.exactlyOnce ? (this.outputQueue as string) : k.input,
      });
      keys = Object.freeze(this.scripts.protocol.keys(name, this.rolesCache)) as string[];
      this.keysCache.set(name, keys);
    }
    return keys;
  }

  ackArgs(ack: TakeRequest['ack']): { push: string; count: number; results: string[] } {
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
  take(req: TakeRequest): Promise<TakeReply> {
    return this.laneTakes(req).take(req.ack, req.fromRetry ?? false);
  }

  /** One lane's take call, for a caller that takes many times with the same lane, node, size and block time. */
  laneTakes(lane: Omit<TakeRequest, 'ack' | 'fromRetry'>): LaneTakeCall {
    return new LaneTakeCall(this, lane);
  }

  /** One lane's take-group call (small batches): many acks and up to a count of batches per script run. */
  laneGroupTakes(lane: Omit<TakeRequest, 'ack' | 'fromRetry'>): LaneGroupTakeCall {
    return new LaneGroupTakeCall(this, lane);
  }

  /** Ack several batches in one script run (take-group taking nothing); each counts as ack() would. */
  ackMany(nodeId: string, acks: readonly BatchAck[]): Promise<GroupTakeReply> {
    return new LaneGroupTakeCall(this, { nodeId, lanePrefix: '', size: 1, blockMs: 0 }).take(acks, false, 1);
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

  /**
   * Requeue batches with an attempt per item (a thrown handler error, a hung handler); with a
   * cause, each item's cause is recorded (P:causes) with where and when.
   */
  async requeue(batchKeys: string[], cause?: FailureCause): Promise<RequeueResult> {
    if (batchKeys.length === 0) return { batches: 0, items: 0, dead: 0 };
    const r = await this.call('requeue', { max_attempts: this.defaults.maxAttempts, cause: encodeCause(cause), batch_keys: batchKeys });
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
   * handed back; loops while the 1000-item cap leaves some behind. A requeue records `cause`
   * per item when given (the container's exit, a worker's fatal error).
   */
  async returnSlot(slotPrefix: string, mode: 'requeue' | 'hand-back', maxCalls = 100, cause?: FailureCause): Promise<RequeueResult> {
    const total = { batches: 0, items: 0, dead: 0 };
    const encoded = mode === 'requeue' ? encodeCause(cause) : '';
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('requeue-by-slot', { slot_prefix: slotPrefix, mode, max_attempts: this.defaults.maxAttempts, cause: encoded });
      total.batches += num(r.batches);
      total.items += num(r.items);
      total.dead += num(r.dead);
      if (r.more !== 1) break;
    }
    return total;
  }

  /**
   * Keeps every leased batch under `slotPrefix` alive while its worker is frozen (docker pause),
   * moving each batch's start forward by `frozenMs` so frozen time does not count toward
   * batch_timeout_s. Returns the batches and items renewed.
   */
  async renewSlot(slotPrefix: string, frozenMs: number): Promise<{ batches: number; items: number }> {
    const r = await this.call('renew-by-slot', {
      slot_prefix: slotPrefix,
      frozen_ms: Math.max(0, Math.round(frozenMs)),
      lease_s: this.defaults.leaseS,
      batch_timeout_s: this.defaults.batchTimeoutS,
    });
    return { batches: num(r.batches), items: num(r.items) };
  }

  /** Requeue leases past their deadline, `limit` per call, until none is left (or maxCalls). */
  async reapExpired(limit = 100, maxCalls = 100): Promise<RequeueResult & { dropped: number }> {
    const total = { batches: 0, items: 0, dead: 0, dropped: 0 };
    for (let i = 0; i < maxCalls; i++) {
      const r = await this.call('reap', { limit, max_attempts: this.defaults.maxAttempts, batch_timeout_s: this.defaults.batchTimeoutS });
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

  /**
   * Move these dead items (one group of failures) back to the input, 1000 per call, clearing
   * their attempts and causes; an item no longer dead is skipped. Returns how many moved.
   */
  async requeueDeadItems(items: readonly string[]): Promise<number> {
    let moved = 0;
    for (let i = 0; i < items.length; i += 1000) {
      const r = await this.call('requeue-dead-items', { items: items.slice(i, i + 1000) });
      moved += num(r.moved);
    }
    return moved;
  }

  /**
   * One step of the causes' housekeeping: HSCAN P:causes from `cursor` and drop the causes of
   * items that succeeded since (no attempts entry). Returns the next cursor ('0': a round is done).
   */
  async pruneCauses(cursor = '0', count = 500): Promise<{ cursor: string; pruned: number }> {
    const [next, flat] = await this.client.hscan(this.keys.causes, cursor, 'COUNT', count);
    const fields = flat.filter((_, i) => i % 2 === 0).slice(0, 1000);
    if (fields.length === 0) return { cursor: next, pruned: 0 };
    const r = await this.call('prune-causes', { fields });
    return { cursor: next, pruned: num(r.pruned) };
  }

  /** Move every dead item back to the input (1000 per call) and clear their attempts and causes. */
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

/**
 * The take script as one lane calls it, batch after batch: KEYS and every ARGV that stays the same
 * (node, lane prefix, size, block time, defaults) are built once from the manifest, so a take only
 * writes its ack and from-retry into a copy, and its reply is read by the manifest's positions.
 * At batch 1 this runs once per item.
 */
export class LaneTakeCall {
  private readonly keys: string[];
  private readonly template: string[];
  private readonly at: { prev: number; push: number; fromRetry: number; count: number; results: number };
  private readonly reply: { ack: number; batchKey: number; items: number; retryLength: number; leaseMs: number; source: number; healed: number };

  constructor(
    private readonly wq: WorkQueue,
    lane: Omit<TakeRequest, 'ack' | 'fromRetry'>,
  ) {
    const protocol = wq.scripts.protocol;
    const d = wq.defaults;
    this.keys = wq.keysOf('take');
    // Every name checked against the manifest once, here; the template holds no results.
    this.template = protocol
      .args('take', {
        prev_batch_key: '',
        push: '0',
        node_id: lane.nodeId,
        lane_prefix: lane.lanePrefix ?? '',
        size: lane.size ?? QUEUE_DEFAULTS.batchSize,
        from_retry: '0',
        block_ms: Math.round(lane.blockMs ?? QUEUE_DEFAULTS.blockS * 1000),
        lease_s: d.leaseS,
        batch_timeout_s: d.batchTimeoutS,
        max_attempts: d.maxAttempts,
        result_count: 0,
        results: [],
      })
      .map(String);
    const arg = (name: string) => protocol.argPosition('take', name);
    this.at = { prev: arg('prev_batch_key'), push: arg('push'), fromRetry: arg('from_retry'), count: arg('result_count'), results: arg('results...') };
    if (this.at.results !== this.template.length) throw new Error('take: results... must be the last argument in manifest.json');
    const field = (name: string) => protocol.replyPosition('take', name);
    this.reply = {
      ack: field('ack'), batchKey: field('batch_key'), items: field('items'), retryLength: field('retry_len'),
      leaseMs: field('lease_ms'), source: field('source'), healed: field('healed'),
    };
  }

  async take(ack: TakeRequest['ack'], fromRetry: boolean): Promise<TakeReply> {
    const wq = this.wq;
    const a = wq.ackArgs(ack);
    const argv = this.template.slice();
    argv[this.at.prev] = ack?.batchKey ?? '';
    argv[this.at.push] = a.push;
    argv[this.at.fromRetry] = fromRetry ? '1' : '0';
    argv[this.at.count] = String(a.count);
    for (let i = 0; i < a.results.length; i++) argv.push(a.results[i]);
    const r = (await wq.scripts.run(wq.client, 'take', this.keys, argv)) as unknown[];
    if (isScriptError(r)) throw scriptError('take', r, { batchKey: ack?.batchKey, given: a.count }, wq.scripts.protocol);
    const at = this.reply;
    return {
      ack: ACK[r[at.ack] as number],
      batchKey: r[at.batchKey] as string,
      items: r[at.items] as string[],
      retryLength: r[at.retryLength] as number,
      leaseMs: r[at.leaseMs] as number,
      source: r[at.source] as TakeReply['source'],
      healed: r[at.healed] as number,
    };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
