import { QueueError } from './queue-error';

/** Redis could not be reached or the reply was lost; the command may or may not have run. */
export class QueueConnectionError extends QueueError {
  readonly code = 'QUEUE_CONNECTION';
  override readonly recoverable = true;

  constructor(readonly detail: string) {
    super(`redis connection problem: ${detail}`);
  }
}
