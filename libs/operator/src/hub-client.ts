import type {
  DeadRequeueResultDto,
  FinishResultDto,
  JoinTokenCreateDto,
  JoinTokenCreatedDto,
  JoinTokenDto,
  JoinTokenRevokedDto,
  NodeRevokedDto,
  NodeRecordDto,
  TaskCreateDto,
  TaskListDto,
  TaskRecordDto,
  WhoamiDto,
} from '@gridcore/contracts';
import { httpError, unreachable } from './hub-errors';
import { HubFetch, hubFetch } from './hub-transport';
import { HubEvent, readEvents, ReadEventsOptions } from './sse-reader';

export type TaskCreate = Pick<TaskCreateDto, 'name'> & Partial<Omit<TaskCreateDto, 'name'>>;
export type TaskRecord = TaskRecordDto;
export type NodeRecord = NodeRecordDto;

export interface HubClientOptions {
  /** Per-request deadline, ms (default 30 s); not applied to the event stream. */
  timeoutMs?: number;
  /** PEM of a CA trusted beside the system CAs for an https:// hub (`--ca-file`, profile `ca_file`). */
  ca?: string | null;
}

/**
 * The hub's `/api` over fetch with the bearer token. Every failure becomes an OperatorError
 * whose message is one line naming what to check (hub unreachable, token refused, role, the
 * hub's own message for 400/404/409).
 */
export class HubClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly send: HubFetch;

  constructor(
    baseUrl: string,
    private readonly token: string,
    options: HubClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.send = hubFetch(options.ca);
  }

  listTasks(): Promise<TaskListDto> {
    return this.request('GET', '/api/tasks');
  }

  /** With `fresh`, a running task's progress is sampled after this call (`progress.sampled_at`). */
  getTask(name: string, options: { fresh?: boolean } = {}): Promise<TaskRecord> {
    return this.request('GET', `/api/tasks/${encodeURIComponent(name)}${options.fresh ? '?fresh=1' : ''}`);
  }

  addTask(task: TaskCreate): Promise<TaskRecord> {
    return this.request('POST', '/api/tasks', task);
  }

  removeTask(name: string): Promise<unknown> {
    return this.request('DELETE', `/api/tasks/${encodeURIComponent(name)}`);
  }

  /** Completes `name` only if it is the running task (the hub answers 409 otherwise). */
  finish(name: string): Promise<FinishResultDto> {
    return this.request('POST', '/api/tasks/finish', { name });
  }

  requeueDead(name: string): Promise<DeadRequeueResultDto> {
    return this.request('POST', `/api/tasks/${encodeURIComponent(name)}/dead/requeue`);
  }

  nodes(): Promise<NodeRecord[]> {
    return this.request('GET', '/api/nodes');
  }

  stopNode(id: string): Promise<unknown> {
    return this.request('POST', `/api/nodes/${encodeURIComponent(id)}/stop`);
  }

  /** Scales a node from the hub (null: its own parallelism again). */
  scaleNode(id: string, parallelism: number | null): Promise<NodeRecord> {
    return this.request('PATCH', `/api/nodes/${encodeURIComponent(id)}`, { parallelism });
  }

  /** Revokes a node for good: its credential answers 401 from now on, its batches go back. */
  revokeNode(id: string): Promise<NodeRevokedDto> {
    return this.request('POST', `/api/nodes/${encodeURIComponent(id)}/revoke`);
  }

  createJoinToken(fields: JoinTokenCreateDto): Promise<JoinTokenCreatedDto> {
    return this.request('POST', '/api/join-tokens', fields);
  }

  joinTokens(): Promise<JoinTokenDto[]> {
    return this.request('GET', '/api/join-tokens');
  }

  revokeJoinToken(id: string): Promise<JoinTokenRevokedDto> {
    return this.request('DELETE', `/api/join-tokens/${encodeURIComponent(id)}`);
  }

  /** The roles of this client's token (`GET /api/whoami`). */
  whoami(): Promise<WhoamiDto> {
    return this.request('GET', '/api/whoami');
  }

  /** True when `GET /health` answers 200 `OK` (open: no token sent). */
  async healthy(): Promise<boolean> {
    let res: Response;
    try {
      res = await this.send(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw unreachable(this.baseUrl, err);
    }
    return res.ok && (await res.text()).trim() === 'OK';
  }

  /** The hub's SSE stream (`GET /api/events`), parsed. */
  events(options: ReadEventsOptions = {}): AsyncGenerator<HubEvent> {
    return readEvents(`${this.baseUrl}/api/events`, this.token, { ...options, send: this.send });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await this.send(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw unreachable(this.baseUrl, err);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // plain text
    }
    if (!res.ok) throw httpError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }
}
