import { isScriptError, scriptError } from './errors/script-error';
import { QueueConfig, QUEUE_DEFAULTS } from './queue-defaults';
import type { RedisClient } from './redis-client';
import type { ScriptRunner } from './script-loader';
import type { TakeReply, TakeRequest } from './take-types';

/** What a take-group call needs of its WorkQueue (kept structural: work-queue.ts imports this file). */
export interface GroupTakeQueue {
  readonly client: RedisClient;
  readonly scripts: ScriptRunner;
  readonly defaults: QueueConfig;
  readonly exactlyOnce: boolean;
  keysOf(name: string): string[];
}

/** A finished batch to ack: its results (exactly-once, pushed by the script) or their count (pushed already). */
export type BatchAck = NonNullable<TakeRequest['ack']>;

export interface GroupTakeReply {
  /** Acked batches whose results were pushed and counted. */
  acked: number;
  /** Acked batches already gone (requeued after a lapsed lease): nothing pushed for them. */
  gone: number;
  /** The batches taken, oldest first, each its own key and lease (ack 'none'); empty for an ack-only call. */
  batches: TakeReply[];
}

/**
 * take-group as one lane calls it (small batches): the acks of every batch the lane finished and
 * up to `count` new batches in one script run. KEYS and the ARGV that stay the same are built once
 * from the manifest (as LaneTakeCall); a lane prefix of '' makes an ack-only caller.
 */
export class LaneGroupTakeCall {
  private readonly keys: string[];
  private readonly template: string[];
  private readonly at: { push: number; batches: number; fromRetry: number; ackCount: number; acks: number };
  private readonly reply: Record<'acked' | 'gone' | 'batchKeys' | 'items' | 'retryLength' | 'leaseMs' | 'source' | 'healed', number>;

  constructor(
    private readonly wq: GroupTakeQueue,
    lane: Omit<TakeRequest, 'ack' | 'fromRetry'>,
  ) {
    const protocol = wq.scripts.protocol;
    const d = wq.defaults;
    this.keys = wq.keysOf('take-group');
    this.template = protocol
      .args('take-group', {
        push: '0',
        node_id: lane.nodeId,
        lane_prefix: lane.lanePrefix ?? '',
        size: lane.size ?? QUEUE_DEFAULTS.batchSize,
        batches: 1,
        from_retry: '0',
        block_ms: Math.round(lane.blockMs ?? QUEUE_DEFAULTS.blockS * 1000),
        lease_s: d.leaseS,
        batch_timeout_s: d.batchTimeoutS,
        max_attempts: d.maxAttempts,
        ack_count: 0,
        acks: [],
      })
      .map(String);
    const arg = (name: string) => protocol.argPosition('take-group', name);
    this.at = { push: arg('push'), batches: arg('batches'), fromRetry: arg('from_retry'), ackCount: arg('ack_count'), acks: arg('acks...') };
    if (this.at.acks !== this.template.length) throw new Error('take-group: acks... must be the last argument in manifest.json');
    const field = (name: string) => protocol.replyPosition('take-group', name);
    this.reply = {
      acked: field('acked'), gone: field('gone'), batchKeys: field('batch_keys'), items: field('items'),
      retryLength: field('retry_len'), leaseMs: field('lease_ms'), source: field('source'), healed: field('healed'),
    };
  }

  /** Acks `acks` and takes up to `count` batches (one retried item when `fromRetry` and retry has any). */
  async take(acks: readonly BatchAck[], fromRetry: boolean, count: number): Promise<GroupTakeReply> {
    const wq = this.wq;
    const push = acks.length > 0 && 'results' in acks[0];
    if (push && !wq.exactlyOnce) throw new Error('at-least-once: push results with pushResults(), then ack by count');
    const argv = this.template.slice();
    argv[this.at.push] = push ? '1' : '0';
    argv[this.at.batches] = String(count);
    argv[this.at.fromRetry] = fromRetry ? '1' : '0';
    argv[this.at.ackCount] = String(acks.length);
    for (const a of acks) argv.push(a.batchKey);
    for (const a of acks) {
      if ('results' in a !== push) throw new Error('take-group: every ack gives its results, or none does');
      argv.push(String('results' in a ? a.results.length : a.count));
    }
    if (push) for (const a of acks) for (const r of (a as { results: string[] }).results) argv.push(r);
    const r = (await wq.scripts.run(wq.client, 'take-group', this.keys, argv)) as unknown[];
    if (isScriptError(r)) throw scriptError('take-group', r, { batchKey: acks.map((a) => a.batchKey).join(' '), given: acks.length }, wq.scripts.protocol);
    const at = this.reply;
    const keys = r[at.batchKeys] as string[];
    const items = r[at.items] as string[][];
    const common = {
      ack: 'none' as const,
      retryLength: r[at.retryLength] as number,
      leaseMs: r[at.leaseMs] as number,
      source: r[at.source] as TakeReply['source'],
      healed: r[at.healed] as number,
    };
    return {
      acked: r[at.acked] as number,
      gone: r[at.gone] as number,
      batches: keys.map((batchKey, i) => ({ ...common, batchKey, items: items[i] })),
    };
  }
}
