import { QueuePrefixCollisionError } from './errors/prefix-collision.error';
import { queuePrefix } from './queue-keys';

/**
 * Refuses a task whose input queue has the same key prefix P as another held task's but a
 * different name (`x` and `{x}`): their keys would mix. The same name again is fine (the seed's
 * workflow reuses queues run after run). Also throws InvalidQueueNameError for a refused name.
 */
export function assertNoPrefixCollision(queue: string, heldQueues: Iterable<string>): void {
  const prefix = queuePrefix(queue);
  for (const other of heldQueues) {
    if (other === queue) continue;
    let otherPrefix: string;
    try {
      otherPrefix = queuePrefix(other);
    } catch {
      continue;
    }
    if (otherPrefix === prefix) throw new QueuePrefixCollisionError(queue, other, prefix);
  }
}
