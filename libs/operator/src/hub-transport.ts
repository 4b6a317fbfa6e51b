import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';

export interface HubRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** How gridctl sends a request to the hub: fetch's shape, so callers need not care which. */
export type HubFetch = (url: string, init?: HubRequestInit) => Promise<Response>;

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value !== undefined) headers.set(name, value);
  }
  const status = res.statusCode ?? 0;
  if (NULL_BODY.has(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  return new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage, headers });
}

/**
 * fetch for the hub. Global fetch trusts only the system CAs and cannot be handed another
 * without undici's Agent (not a dependency here), so with `ca` (PEM, `--ca-file`) requests go
 * over node:https with that CA trusted beside the system ones. Errors keep their TLS `code`.
 */
export function hubFetch(ca: string | null | undefined): HubFetch {
  if (!ca) return (url, init) => fetch(url, init);
  const agent = new Agent({ keepAlive: false, ca: [...rootCertificates, ca] });
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== 'https:') {
        // A CA for a plain http:// hub has nothing to verify: fetch as usual.
        fetch(url, init).then(resolve, reject);
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const headers: Record<string, string | number> = { ...(init.headers ?? {}) };
      if (body) headers['content-length'] = body.length;
      const req = request(u, { method: init.method ?? 'GET', headers, agent, signal: init.signal }, (res) => resolve(toResponse(res)));
      req.on('error', reject);
      req.end(body);
    });
}
