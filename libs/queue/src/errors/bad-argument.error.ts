import { QueueError } from './queue-error';

/** A script argument out of range (batch size, lease, attempts). */
export class BadScriptArgumentError extends QueueError {
  readonly code = 'QUEUE_BAD_ARGUMENT';

  constructor(readonly detail: string) {
    super(`bad queue script argument: ${detail}`);
  }
}
