import { QueueError } from './queue-error';

/** A script refuses to move more than 1,000 items in one call. */
export class TooManyItemsError extends QueueError {
  readonly code = 'QUEUE_TOO_MANY_ITEMS';

  constructor(readonly count: number) {
    super(`${count} items in one call; at most 1000`);
  }
}
