import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { tlsProblem } from '@gridcore/contracts/tls-problem';
import type { HeartbeatDto, HeartbeatResultDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import type { RegisterNodeDto } from '@gridcore/contracts/nodes/register-node.dto';
import type { TaskConfigDto, TaskEnvelopeDto } from '@gridcore/contracts/tasks/task-config.dto';
import type { LogAnswerDto, LogAnswerResultDto, LogRequestsEnvelopeDto } from '@gridcore/contracts/logs/container-logs.dto';
import { HubCertificateError, HubHttpError, HubUnreachableError } from './hub-errors';

export interface RegisterAnswer {
  node_id: string;
  current_task: TaskConfigDto | null;
  /** Only when registered with a join token: the credential bound to node_id. */
  node_token?: string;
}

export interface PollRequest {
  platform: string;
  waitS: number;
  /** Omitted on the first call: the hub answers at once. */
  revision: number | null;
  nodeId: string | null;
}

/**
 * The node's side of SPEC §2.6/§2.7 over plain node:http (no fetch: it keeps the agent's memory
 * small on a Raspberry Pi). Every call has a deadline; errors are {@link HubUnreachableError} or
 * {@link HubHttpError}. The token goes only in the Authorization header.
 */
export class HubClient {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  /** Called once per answer that says this node's credential was revoked, before the call rejects. */
  onRevoked: ((error: HubHttpError) => void) | null = null;

  constructor(
    serverUrl: string,
    private token: string | null,
    private readonly timeoutMs = 10_000,
    /** PEM of a CA trusted beside the system CAs for an https:// hub (`ca_file`). */
    ca: string | null = null,
  ) {
    this.base = new URL(serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
    const https = this.base.protocol === 'https:';
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 4, ...(ca ? { ca: [...rootCertificates, ca] } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  /** Every later call carries `token` (the node credential once the hub issued one). */
  useToken(token: string | null): void {
    this.token = token;
  }

  get currentToken(): string | null {
    return this.token;
  }

  get url(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  register(body: RegisterNodeDto): Promise<RegisterAnswer> {
    return this.send<RegisterAnswer>('POST', 'gridnode/register', body);
  }

  /** 404 (unknown id) comes back as a HubHttpError with status 404: the caller registers again. */
  heartbeat(body: HeartbeatDto): Promise<HeartbeatResultDto> {
    return this.send<HeartbeatResultDto>('POST', 'gridnode/heartbeat', body);
  }

  deregister(nodeId: string): Promise<unknown> {
    return this.send('POST', 'gridnode/deregister', { node_id: nodeId });
  }

  /** The long-poll of SPEC §2.7; its deadline is the wait plus the usual call deadline. */
  pollTask(req: PollRequest, signal?: AbortSignal): Promise<TaskEnvelopeDto> {
    const query = new URLSearchParams({ platform: req.platform, wait: String(req.waitS) });
    if (req.revision !== null) query.set('revision', String(req.revision));
    if (req.nodeId) query.set('node_id', req.nodeId);
    return this.send<TaskEnvelopeDto>('GET', `gridnode/task?${query}`, undefined, req.waitS * 1000 + this.timeoutMs, signal);
  }

  /** The log relay's long-poll: log requests the hub holds for this node (SPEC: node protocol, logs). */
  pollLogRequests(nodeId: string, waitS: number, signal?: AbortSignal): Promise<LogRequestsEnvelopeDto> {
    const query = new URLSearchParams({ node_id: nodeId, wait: String(waitS) });
    return this.send<LogRequestsEnvelopeDto>('GET', `gridnode/logs/requests?${query}`, undefined, waitS * 1000 + this.timeoutMs, signal);
  }

  /** Answers a log request, or sends a follow's new output; `continue: false` ends a follow. */
  sendLogAnswer(body: LogAnswerDto): Promise<LogAnswerResultDto> {
    return this.send<LogAnswerResultDto>('POST', 'gridnode/logs/answers', body);
  }

  close(): void {
    this.agent.destroy();
  }

  private send<T>(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs, signal?: AbortSignal): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const route = `${method} /${path.split('?')[0]}`;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (this.token) headers.authorization = `Bearer ${this.token}`;
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      const req = request(url, { method, headers, agent: this.agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new HubUnreachableError(this.url, err.message)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            let detail = text.slice(0, 300);
            let reason: string | null = null;
            try {
              const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown };
              if (parsed && parsed.message !== undefined) detail = Array.isArray(parsed.message) ? parsed.message.join('; ') : String(parsed.message);
              if (parsed && typeof parsed.reason === 'string') reason = parsed.reason;
            } catch {
              // not JSON: keep the text
            }
            const error = new HubHttpError(route, status, detail, reason);
            if (error.revoked) this.onRevoked?.(error);
            return reject(error);
          }
          try {
            resolve((text ? JSON.parse(text) : null) as T);
          } catch {
            reject(new HubHttpError(route, status, 'the answer is not JSON'));
          }
        });
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (err.name === 'AbortError') return reject(err);
        const problem = tlsProblem(err.code, this.base.hostname);
        reject(problem ? new HubCertificateError(this.url, problem) : new HubUnreachableError(this.url, err.code ?? err.message));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}
