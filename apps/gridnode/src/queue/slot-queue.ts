import type { FailureCause } from '@gridcore/queue';

/** A task's input queue as a container sees it: its Redis URL and queue name. */
export interface QueueRef {
  redisUrl: string;
  queue: string;
  /** The task's `redis_tls_ca`: a CA (PEM) trusted beside the system CAs for a rediss:// URL. */
  tlsCa?: string | null;
  /** `gateway`: redisUrl is the data gateway's address, and the node acts through it with its own credential. */
  dataPlane?: 'gateway' | 'direct';
}

/** One container's worker slot: node, instance, run (SPEC §4 batch key prefix). */
export interface SlotRef {
  nodeId: string;
  instance: number | string;
  runId: string;
}

/**
 * What the node does to a task's queue (port; libs/queue is the adapter): return a slot's
 * in-flight batches after a container ends, and look whether items wait.
 */
export abstract class SlotQueue {
  /** After an exit the node did not cause: every item gets an attempt. Returns the items moved. */
  abstract requeueSlot(queue: QueueRef, slot: SlotRef, cause?: FailureCause): Promise<number>;
  /** After a stop the node made: items go back without an attempt. Returns the items moved. */
  abstract handBackSlot(queue: QueueRef, slot: SlotRef): Promise<number>;
  /**
   * While the node holds the slot's container frozen: its batches' leases renewed on its behalf,
   * each batch's start moved forward by `frozenMs` (frozen time does not count toward
   * batch_timeout_s). Concrete so fakes in unit specs need not implement it.
   */
  renewSlot(queue: QueueRef, slot: SlotRef, frozenMs: number): Promise<{ batches: number; items: number }> {
    void queue;
    void frozenMs;
    return Promise.reject(new Error(`renewing the batches of run ${slot.runId} is not supported here`));
  }
  /** Items waiting in the input and retry lists (through the gateway: its input, as `nodeId` may see it). */
  abstract pending(queue: QueueRef, nodeId?: string): Promise<number>;
  /**
   * At start, before any container runs: requeues (with an attempt) what this node's slots other
   * than `liveInstances` hold, as a crashed agent left it. Only the gateway path needs it (a
   * direct node finds its orphans by their containers' env); returns the items moved.
   */
  abstract requeueOrphans(queue: QueueRef, nodeId: string, liveInstances: readonly (number | string)[]): Promise<number>;
  abstract close(): Promise<void>;
}
