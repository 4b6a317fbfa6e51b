import { DomainError } from './domain-error';

/** The hub already keeps `max_nodes` node records: a new node cannot register now. */
export class NodeLimitError extends DomainError {
  readonly code = 'NODE_LIMIT_REACHED';
  readonly status = 503;
}
