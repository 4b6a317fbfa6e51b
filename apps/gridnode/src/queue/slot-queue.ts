/** A task's input queue as a container sees it: its Redis URL and queue name. */
export interface QueueRef {
  redisUrl: string;
  queue: string;
  /** The task's `redis_tls_ca`: a CA (PEM) trusted beside the system CAs for a rediss:// URL. */
  tlsCa?: string | null;
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
  abstract requeueSlot(queue: QueueRef, slot: SlotRef): Promise<number>;
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
  /** Items waiting in the input and retry lists. */
  abstract pending(queue: QueueRef): Promise<number>;
  abstract close(): Promise<void>;
}
