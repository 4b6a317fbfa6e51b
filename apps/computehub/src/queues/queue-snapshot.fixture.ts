import type { QueueSnapshot } from './task-queues';

/** Where the specs' clock starts (Redis time). */
export const SNAPSHOT_EPOCH_MS = Date.UTC(2026, 0, 1);

/** For unit specs: a snapshot `atS` seconds after the epoch of an empty queue, with `fields` changed. */
export function queueSnapshot(atS: number, fields: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return {
    input: 0,
    retry: 0,
    pending: 0,
    inFlight: 0,
    processed: 0,
    requeued: 0,
    dead: 0,
    perNode: {},
    lastReapMs: null,
    outputLength: null,
    nowMs: SNAPSHOT_EPOCH_MS + atS * 1000,
    configRunId: null,
    ...fields,
  };
}
