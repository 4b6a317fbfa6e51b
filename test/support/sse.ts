import { request } from 'node:http';

export interface SseEvent {
  type: string;
  data: unknown;
}

/**
 * Reads a server-sent event stream with a bearer header; collects events until closed, handing
 * each to `onEvent` as it arrives (to act at that moment, as a dashboard does).
 */
export function openSse(url: string, token: string, onEvent?: (event: SseEvent) => void): { events: SseEvent[]; close(): void; ready: Promise<void> } {
  const events: SseEvent[] = [];
  let buffer = '';
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const req = request(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } }, (res) => {
    resolveReady();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (!data.length) continue;
        const event = { type, data: JSON.parse(data.join('\n')) };
        events.push(event);
        onEvent?.(event);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return { events, ready, close: () => req.destroy() };
}
