import { DomainError } from './domain-error';

/** A task's Redis could not be reached or answered with an error. */
export class QueueUnavailableError extends DomainError {
  readonly code = 'QUEUE_UNAVAILABLE';
  readonly status = 503;
}
