import { OperatorError } from './operator-error';

/** The one line a person reads when the hub could not be reached at all. */
export function unreachable(baseUrl: string, err: unknown): OperatorError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if ((err as Error)?.name === 'AbortError' || (err as Error)?.name === 'TimeoutError') {
    return new OperatorError(`the hub at ${baseUrl} did not answer in time (is it running?)`);
  }
  const why = code && code !== 'ECONNREFUSED' ? ` (${code})` : '';
  return new OperatorError(`cannot reach the hub at ${baseUrl} (is it running?)${why}`);
}

/** The hub's error body `{statusCode, error, message}` as one line (message may be a list). */
export function hubMessage(body: unknown, fallback: string): string {
  const message = (body as { message?: unknown })?.message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message) return message;
  if (typeof body === 'string' && body.trim()) return body.trim().split('\n')[0].slice(0, 300);
  return fallback;
}

/** Maps a non-2xx answer to the line a person can act on. */
export function httpError(status: number, body: unknown, what: string): OperatorError {
  const message = hubMessage(body, `HTTP ${status}`);
  switch (status) {
    case 401:
      return new OperatorError('the hub refused the token (check credentials.toml)');
    case 403:
      return new OperatorError('this token lacks the admin role');
    case 404:
    case 400:
    case 409:
    case 413:
      return new OperatorError(message);
    default:
      return new OperatorError(`the hub answered ${status} to ${what}: ${message}`);
  }
}
