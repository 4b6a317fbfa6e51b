import { QueueError } from './queue-error';

/** A queue name, node id or run id that the key rules refuse. */
export class InvalidQueueNameError extends QueueError {
  readonly code = 'QUEUE_NAME_INVALID';

  constructor(readonly value: string, readonly why: string) {
    super(`invalid name "${value}": ${why}`);
  }
}
