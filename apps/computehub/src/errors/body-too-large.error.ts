import { DomainError } from './domain-error';

/** A body past the size limit, counted after decompression (413). */
export class BodyTooLargeError extends DomainError {
  readonly code = 'BODY_TOO_LARGE';
  readonly status = 413;
}
