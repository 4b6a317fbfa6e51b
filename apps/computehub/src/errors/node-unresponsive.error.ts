import { DomainError } from './domain-error';

/** A node that is online did not answer in time over its own connection (504). */
export class NodeUnresponsiveError extends DomainError {
  readonly code = 'NODE_UNRESPONSIVE';
  readonly status = 504;
}
