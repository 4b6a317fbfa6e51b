import { DomainError } from './domain-error';

/** A caller past its rate (429): it may retry after a pause. */
export class TooManyRequestsError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS';
  readonly status = 429;
}
