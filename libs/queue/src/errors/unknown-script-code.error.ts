import { QueueError } from './queue-error';

/** A script answered a negative code this library does not know (a script/SDK version skew). */
export class UnknownScriptCodeError extends QueueError {
  readonly code = 'QUEUE_UNKNOWN_SCRIPT_CODE';

  constructor(readonly script: string, readonly scriptCode: number) {
    super(`script ${script} answered unknown code ${scriptCode}`);
  }
}
