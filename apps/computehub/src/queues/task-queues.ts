import type { FailureRecord } from '@gridcore/queue';
/** Where a task's items live; null for a task whose image hard-codes its queues (SPEC §2.1). */
export interface QueueRef {
  redisUrl: string;
  queue: string;
  outputRedisUrl: string;
  outputQueue: string | null;
  /** CA (PEM) trusted beside the system CAs for rediss:// URLs of this task. */
  tlsCa?: string | null;
}

/** One consistent reading of a task's queues (libs/queue stats) plus the output length. */
export interface QueueSnapshot {
  input: number;
  retry: number;
  pending: number;
  inFlight: number;
  processed: number;
  requeued: number;
  dead: number;
  perNode: Record<string, number>;
  lastReapMs: number | null;
  outputLength: number | null;
  nowMs: number;
  /** The run id in P:config, read in the same snapshot; null when P:config has none (or is gone). */
  configRunId: string | null;
}

/** What a task's lists hold when it is registered (output null when the task names none). */
export interface QueueHoldings {
  input: number;
  output: number | null;
}

/** What clearing a task's run state removed. */
export interface ClearedRun {
  output: number;
  protocolKeys: number;
}

export interface QueueTuning {
  leaseS: number;
  maxAttempts: number;
  batchTimeoutS: number;
  /** The task run P:config is written for; the sampler checks it is still there. */
  runId: string;
}

/**
 * Port: what the hub does to a task's Redis queues. The hub never blocks on it: adapters fail
 * fast (with a message naming the masked URL) when Redis is away.
 */
export abstract class TaskQueues {
  /** Writes `P:config`, with the run id, when the task starts. */
  abstract configure(ref: QueueRef, tuning: QueueTuning): Promise<void>;
  /** The queue's figures, with processed counts for `nodeIds` only (P:stats is read by field). */
  abstract snapshot(ref: QueueRef, nodeIds: readonly string[]): Promise<QueueSnapshot>;
  /** Requeues every lease past its deadline; returns how many items came back. */
  abstract reapExpired(ref: QueueRef): Promise<number>;
  /** The occasional scan for batch lists that lost their lease; returns items requeued. */
  abstract requeueOrphanBatches(ref: QueueRef): Promise<number>;
  /** LLEN of the input and output lists. */
  abstract holdings(ref: QueueRef): Promise<QueueHoldings>;
  /** Deletes the output list and every protocol key (P:*), never the input list. */
  abstract clearRun(ref: QueueRef): Promise<ClearedRun>;
  /** Moves dead items back to the input; returns how many. */
  abstract requeueDead(ref: QueueRef): Promise<number>;
  /** The dead items (newest first, at most `maxItems`) with their last cause (P:causes). */
  abstract deadWithCauses(ref: QueueRef, maxItems: number): Promise<{ total: number; items: { item: string; cause: FailureRecord | null }[] }>;
  /** Moves these dead items back to the input; returns how many were still dead. */
  abstract requeueDeadItems(ref: QueueRef, items: readonly string[]): Promise<number>;
  /** Hands back, without an attempt, every batch under `P:batch:<node>:`; returns the items. */
  abstract handBackNode(ref: QueueRef, nodeId: string): Promise<number>;
}

/** The fields of a task record that name its queues (queues/ sits below tasks/, so not the record itself). */
export interface QueueNaming {
  input_redis: string | null;
  input_queue: string | null;
  output_redis: string | null;
  output_queue: string | null;
  redis_tls_ca?: string | null;
}

export function queueRefOf(task: QueueNaming): QueueRef | null {
  if (!task.input_redis || !task.input_queue) return null;
  return {
    redisUrl: task.input_redis,
    queue: task.input_queue,
    outputRedisUrl: task.output_redis ?? task.input_redis,
    outputQueue: task.output_queue,
    tlsCa: task.redis_tls_ca ?? null,
  };
}

/** The same queue on the same server, whichever task record names it. */
export function queueRefKey(ref: QueueRef): string {
  return `${ref.redisUrl}\u0000${ref.queue}`;
}
