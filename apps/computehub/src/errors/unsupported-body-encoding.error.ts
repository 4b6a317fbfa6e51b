import { DomainError } from './domain-error';

/** A body in a Content-Encoding or charset the hub does not read (415). */
export class UnsupportedBodyEncodingError extends DomainError {
  readonly code = 'BODY_ENCODING_UNSUPPORTED';
  readonly status = 415;
}
