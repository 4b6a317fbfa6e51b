import { httpError, unreachable } from './hub-errors';
import type { HubFetch } from './hub-transport';

export interface HubEvent<T = any> {
  /** The SSE `event:` name (`progress`, `task.finished`, `ping`, ...). */
  type: string;
  /** The parsed `data:` payload (the hub sends `{type, at, data}`). */
  data: T;
}

export interface ReadEventsOptions {
  signal?: AbortSignal;
  /** How to reach the hub (default: fetch); HubClient passes its own, which may trust a CA. */
  send?: HubFetch;
  /** The route named in an error (default `GET /api/events`). */
  route?: string;
}

/**
 * Reads a server-sent event stream over fetch with a bearer header (EventSource cannot send
 * one). Yields each event with its JSON data parsed; ends when the server closes the stream or
 * `signal` aborts. Connection and HTTP errors become one-line OperatorErrors.
 */
export async function* readEvents(url: string, token: string, options: ReadEventsOptions = {}): AsyncGenerator<HubEvent> {
  const base = new URL(url).origin;
  let res: Response;
  try {
    res = await (options.send ?? fetch)(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) return;
    throw unreachable(base, err);
  }
  if (!res.ok) {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain text
    }
    throw httpError(res.status, body, options.route ?? 'GET /api/events');
  }
  if (!res.body) return;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) yield event;
    }
  } catch (err) {
    if (options.signal?.aborted) return;
    throw unreachable(base, err);
  }
}

/** Incremental `text/event-stream` parser (blocks split by a blank line; `event:` and `data:`). */
export class SseParser {
  private buffer = '';

  push(text: string): HubEvent[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const events: HubEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
      }
      if (!data.length) continue;
      const raw = data.join('\n');
      let parsed: unknown = raw;
      try {
        parsed = JSON.parse(raw);
      } catch {
        // not JSON: keep the text
      }
      events.push({ type, data: parsed });
    }
    return events;
  }
}
