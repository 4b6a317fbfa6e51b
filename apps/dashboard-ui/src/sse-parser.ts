/** One server-sent event as the stream carried it. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG rules the browser's EventSource
 * follows), for reading the hub's stream with fetch: EventSource cannot send the bearer header.
 * Feed it decoded text as it arrives; it returns the events each chunk completes.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | null = null;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(this.buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (!found || (found[0] === '\r' && found.index === this.buffer.length - 1)) break;
      this.line(this.buffer.slice(start, found.index), out);
      start = found.index + found[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id') this.id = value;
  }
}
