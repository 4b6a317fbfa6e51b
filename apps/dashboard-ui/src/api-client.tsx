import type { HubEvent } from '@gridcore/contracts';
import { SseParser } from './sse-parser';

/** An answer other than 2xx, with the message of the hub's `{statusCode, error, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every call the dashboard makes: same origin, the bearer header on each, never the token in a
 * URL. `onUnauthorized` runs on a 401 (the token was revoked, or the hub restarted without it).
 */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (message: string) => void = () => undefined,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    if (!res.ok) throw await this.failure(res);
    return (await res.json()) as T;
  }

  /**
   * Reads `GET /api/events` until it ends or `signal` aborts, calling `onEvent` for each hub
   * event (keep-alive pings are dropped). Resolves when the stream ends; rejects on an error.
   */
  async stream(onOpen: () => void, onEvent: (event: HubEvent) => void, signal: AbortSignal): Promise<void> {
    await this.streamOf(
      '/api/events',
      (event, data) => {
        if (event !== 'ping') onEvent(data as HubEvent);
      },
      signal,
      onOpen,
    );
  }

  /**
   * Reads any server-sent event stream of the hub (the events, a node's logs with follow=1) until
   * it ends or `signal` aborts, calling `onMessage` with each event's name and parsed data.
   */
  async streamOf(path: string, onMessage: (event: string, data: any) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' }, cache: 'no-store', signal });
    if (!res.ok || !res.body) throw await this.failure(res);
    onOpen?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const message of parser.push(value)) {
        try {
          onMessage(message.event, JSON.parse(message.data));
        } catch {
          // A malformed event is skipped; the next snapshot corrects whatever it carried.
        }
      }
    }
  }

  /** Text of a hub answer as a download (the report's CSV). */
  async download(path: string, accept: string): Promise<Blob> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}`, Accept: accept }, cache: 'no-store' });
    if (!res.ok) throw await this.failure(res);
    return res.blob();
  }

  private async failure(res: Response): Promise<ApiError> {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // Not JSON: keep the status line.
    }
    if (res.status === 401) this.onUnauthorized(message);
    return new ApiError(res.status, message);
  }
}

/** The message the sign-in form shows for a failed token check. */
export function tokenProblem(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) {
    return 'The hub does not accept this token. Check it (tokens are case-sensitive) and enter it again.';
  }
  if (err instanceof ApiError && err.status === 403) {
    return 'This token may not read the dashboard: it lacks the viewer role (a node token only lets machines join).';
  }
  if (err instanceof ApiError) return `The hub answered ${err.status}: ${err.message}`;
  return `Cannot reach the hub: ${(err as Error).message}`;
}
