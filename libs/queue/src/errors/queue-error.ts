/** Base of every typed error of libs/queue; `code` is stable and safe to match on. */
export abstract class QueueError extends Error {
  abstract readonly code: string;
  /** Whether trying again later can succeed (a connection problem) or not (a bad key type). */
  readonly recoverable: boolean = false;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
