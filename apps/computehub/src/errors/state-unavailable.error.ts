import { DomainError } from './domain-error';

/** The state store could not persist a change; nothing was changed. */
export class StateUnavailableError extends DomainError {
  readonly code = 'STATE_UNAVAILABLE';
  readonly status = 503;
}
