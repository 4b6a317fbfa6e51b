import { DomainError } from './domain-error';

/** A request that is well-formed but asks for something impossible (400). */
export class InvalidRequestError extends DomainError {
  readonly code = 'INVALID_REQUEST';
  readonly status = 400;
}
