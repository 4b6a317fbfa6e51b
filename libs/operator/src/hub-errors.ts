import { tlsProblem } from '@gridcore/contracts';
import { OperatorError } from './operator-error';

/** The one line a person reads when the hub could not be reached at all. */
export function unreachable(baseUrl: string, err: unknown): OperatorError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  // fetch wraps the socket's error in `cause`; node:https (with --ca-file) reports it directly.
  const code = cause?.code ?? (err as { code?: string })?.code;
  const problem = tlsProblem(code, hostOf(baseUrl));
  if (problem) {
    return new OperatorError(`the hub at ${baseUrl} ${problem}: pass --ca-file FILE (or ca_file in the cluster's profile) with the CA that signed it`);
  }
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

/** The hub answered with an error status; `status` lets a caller tell 401 from 403. */
export class HubAnswerError extends OperatorError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HubAnswerError';
  }
}

/** Maps a non-2xx answer to the line a person can act on. */
export function httpError(status: number, body: unknown, what: string): HubAnswerError {
  const message = hubMessage(body, `HTTP ${status}`);
  switch (status) {
    case 401:
      return new HubAnswerError('the hub refused the token (check credentials.toml)', status);
    case 403:
      return new HubAnswerError('this token lacks the admin role', status);
    case 404:
    case 400:
    case 409:
    case 413:
      return new HubAnswerError(message, status);
    default:
      return new HubAnswerError(`the hub answered ${status} to ${what}: ${message}`, status);
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
