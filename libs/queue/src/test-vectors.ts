import vectors from './queue-keys.vectors.json';

/** Tag-rule vectors (Q → P and cluster slot), shared with the Python SDK's tests. */
export interface QueueKeyVector {
  queue: string;
  prefix?: string;
  tagged?: boolean;
  slot?: number;
  refused?: boolean;
}

export const QUEUE_KEY_VECTORS: readonly QueueKeyVector[] = vectors;
