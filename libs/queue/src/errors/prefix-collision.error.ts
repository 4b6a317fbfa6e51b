import { QueueError } from './queue-error';

/** Two held tasks whose input queues have the same key prefix P but differ (x and {x}). */
export class QueuePrefixCollisionError extends QueueError {
  readonly code = 'QUEUE_PREFIX_COLLISION';

  constructor(readonly queue: string, readonly other: string, readonly prefix: string) {
    super(`input queue "${queue}" collides with "${other}": both use the key prefix "${prefix}"`);
  }
}
