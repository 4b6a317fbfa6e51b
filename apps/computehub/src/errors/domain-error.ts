/**
 * Base of the hub's domain errors: a stable `code` and the HTTP status the exception filter maps
 * it to. Messages keep the original's text where it had one.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
}
