import { QueueError } from './queue-error';

/** A queue key holds a value of the wrong Redis type; the script wrote nothing. */
export class WrongKeyTypeError extends QueueError {
  readonly code = 'QUEUE_WRONG_KEY_TYPE';

  constructor(readonly key: string, readonly role: string, readonly expected: string) {
    super(`key "${key}" (${role}) is not a ${expected}: the script wrote nothing, nothing was lost`);
  }
}
