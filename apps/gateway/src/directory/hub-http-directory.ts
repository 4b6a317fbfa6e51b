import { Logger } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Observable } from 'rxjs';
import type { GatewayNodeDigestDto, GatewayNodeRouteDto, GatewayRevocationsDto } from '@gridcore/contracts';
import { GatewayDirectory, GatewayTaskRoute } from '@gridcore/gateway';

/** How long one revocation long-poll waits at the hub, and the pause after a failed one. */
const REVOCATION_WAIT_S = 25;
const RETRY_MS = 1_000;

/**
 * {@link GatewayDirectory} over the hub's `/gateway/*` routes with a gateway token. The gateway
 * server caches digests and routes itself; this only asks. A hub that does not answer makes AUTH
 * fail (the caller retries), never lets a connection in unchecked.
 */
export class HubHttpDirectory extends GatewayDirectory {
  private readonly logger = new Logger('HubDirectory');
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private closed = false;

  constructor(
    hubUrl: string,
    private readonly token: string,
    ca: string | null = null,
    private readonly timeoutMs = 10_000,
  ) {
    super();
    this.base = new URL(hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`);
    this.agent =
      this.base.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(ca ? { ca: [...rootCertificates, ca] } : {}) })
        : new HttpAgent({ keepAlive: true, maxSockets: 16 });
  }

  async credentialDigest(nodeId: string): Promise<string | null> {
    const answer = await this.get<GatewayNodeDigestDto>(`gateway/nodes/${encodeURIComponent(nodeId)}/credential-digest`);
    return answer.credential_digest;
  }

  async taskFor(nodeId: string): Promise<GatewayTaskRoute | null> {
    const answer = await this.get<GatewayNodeRouteDto>(`gateway/nodes/${encodeURIComponent(nodeId)}/route`);
    return answer.task;
  }

  /** Long-polls the hub's revocations, one at a time, until close(); a restarted hub's list is taken from its start. */
  revocations(): Observable<string> {
    return new Observable<string>((subscriber) => {
      let stopped = false;
      void (async () => {
        let cursor: string | null = null;
        while (!stopped && !this.closed) {
          try {
            const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}&wait=${REVOCATION_WAIT_S}` : '';
            const answer: GatewayRevocationsDto = await this.get<GatewayRevocationsDto>(`gateway/revocations${query}`, (REVOCATION_WAIT_S + 10) * 1000);
            cursor = answer.cursor;
            for (const id of answer.node_ids) subscriber.next(id);
          } catch (err) {
            if (stopped || this.closed) break;
            this.logger.warn(`revocations from the hub: ${(err as Error).message}; retrying`);
            await new Promise((r) => setTimeout(r, RETRY_MS));
          }
        }
      })();
      return () => {
        stopped = true;
      };
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private get<T>(path: string, timeoutMs = this.timeoutMs): Promise<T> {
    const url = new URL(path, this.base);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method: 'GET', agent: this.agent, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`hub answered ${res.statusCode} to GET /${path.split('?')[0]}: ${body.slice(0, 200)}`));
          try {
            resolve(JSON.parse(body) as T);
          } catch {
            reject(new Error(`hub answered GET /${path.split('?')[0]} with something that is not JSON`));
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`hub did not answer GET /${path.split('?')[0]} in ${timeoutMs / 1000} s`)));
      req.on('error', (err) => reject(new Error(`hub unreachable at ${this.base.origin}: ${err.message}`)));
      req.end();
    });
  }
}
