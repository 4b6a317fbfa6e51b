import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The parsed JSON answer, or undefined when it is not JSON. */
  json: any;
}

/**
 * One HTTP call with exactly these bytes and headers, any method (fetch refuses a GET with a
 * body, supertest serialises a Buffer as JSON). A stream (SSE) answers with its head only.
 */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: Buffer | string, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      const answer = (text: string): RawAnswer => {
        let json: unknown;
        try {
          json = contentType.includes('json') ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        return { status: res.statusCode ?? 0, contentType, text, json };
      };
      if (contentType.startsWith('text/event-stream')) {
        resolve(answer(''));
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answer(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
