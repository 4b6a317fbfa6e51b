import type {
  DeadRequeueResultDto,
  FailuresDto,
  FinishResultDto,
  JoinTokenCreateDto,
  JoinTokenCreatedDto,
  JoinTokenDto,
  JoinTokenRevokedDto,
  NodeLogsDto,
  NodeRevokedDto,
  TaskReportDto,
  NodeRecordDto,
  TaskCreateDto,
  TaskListDto,
  TaskMoveDto,
  TaskOrderResultDto,
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

  /** Sets a task's priority (higher starts first among pending tasks). */
  setPriority(name: string, priority: number): Promise<TaskOrderResultDto> {
    return this.request('PATCH', `/api/tasks/${encodeURIComponent(name)}`, { priority });
  }

  /** Places a pending task just before or after another pending one. */
  moveTask(name: string, target: TaskMoveDto): Promise<TaskOrderResultDto> {
    return this.request('POST', `/api/tasks/${encodeURIComponent(name)}/move`, target);
  }

  /** Completes `name` only if it is the running task (the hub answers 409 otherwise). */
  finish(name: string): Promise<FinishResultDto> {
    return this.request('POST', '/api/tasks/finish', { name });
  }

  /** Every dead item back to the input, or with `group` only that failure group's. */
  requeueDead(name: string, group?: string): Promise<DeadRequeueResultDto> {
    return this.request('POST', `/api/tasks/${encodeURIComponent(name)}/dead/requeue`, group === undefined ? undefined : { group });
  }

  /** The task's dead items grouped by cause. */
  failures(name: string): Promise<FailuresDto> {
    return this.request('GET', `/api/tasks/${encodeURIComponent(name)}/failures`);
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

  /** A task's report (its latest run): duration, items, dead items, per-node items and CPU-seconds, switch times. */
  taskReport(name: string): Promise<TaskReportDto> {
    return this.request('GET', `/api/tasks/${encodeURIComponent(name)}/report`);
  }

  /** The same report as CSV (one row per node). */
  taskReportCsv(name: string): Promise<string> {
    return this.request('GET', `/api/tasks/${encodeURIComponent(name)}/report`, undefined, 'text/csv');
  }

  /** A node's container logs (`GET /api/nodes/:id/logs`), fetched over the node's own connection. */
  nodeLogs(id: string, options: { instance?: number; tail?: number } = {}): Promise<NodeLogsDto> {
    return this.request('GET', `/api/nodes/${encodeURIComponent(id)}/logs${logsQuery(options)}`);
  }

  /** The node's container logs as they are written: `containers` first, then `chunk` events, `end` when the node goes. */
  followNodeLogs(id: string, options: { instance?: number; tail?: number; signal?: AbortSignal } = {}): AsyncGenerator<HubEvent> {
    const path = `/api/nodes/${encodeURIComponent(id)}/logs${logsQuery({ ...options, follow: true })}`;
    return readEvents(`${this.baseUrl}${path}`, this.token, { signal: options.signal, send: this.send, route: `GET ${path}` });
  }

  /** The hub's SSE stream (`GET /api/events`), parsed. */
  events(options: ReadEventsOptions = {}): AsyncGenerator<HubEvent> {
    return readEvents(`${this.baseUrl}/api/events`, this.token, { ...options, send: this.send });
  }

  async request<T>(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await this.send(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept,
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

function logsQuery(options: { instance?: number; tail?: number; follow?: boolean }): string {
  const query = new URLSearchParams();
  if (options.instance !== undefined) query.set('instance', String(options.instance));
  if (options.tail !== undefined) query.set('tail', String(options.tail));
  if (options.follow) query.set('follow', '1');
  const text = query.toString();
  return text ? `?${text}` : '';
}
