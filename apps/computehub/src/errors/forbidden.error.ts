import { DomainError } from './domain-error';

/** A known caller asking for something its credential does not cover (403). */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
}
