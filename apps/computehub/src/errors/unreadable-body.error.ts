import { DomainError } from './domain-error';

/** A request body that cannot be read: corrupt compression, bytes that are not UTF-8, bad JSON (400). */
export class UnreadableBodyError extends DomainError {
  readonly code = 'BODY_UNREADABLE';
  readonly status = 400;
}
