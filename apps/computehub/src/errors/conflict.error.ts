import { DomainError } from './domain-error';

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
  readonly status = 409;
}
