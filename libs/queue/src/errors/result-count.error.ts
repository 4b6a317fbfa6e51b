import { QueueError } from './queue-error';

/** The handler's results do not match the batch, one result per item. */
export class ResultCountMismatchError extends QueueError {
  readonly code = 'QUEUE_RESULT_COUNT';

  constructor(readonly batchKey: string, readonly expected: number, readonly got: number) {
    super(`batch ${batchKey} holds ${expected} item(s) but ${got} result(s) were given`);
  }
}
