import type { FailuresDto, NodeRecordDto, ProgressHistoryDto, TaskListDto } from '@gridcore/contracts';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient, ApiError } from './api-client';
import { applyEvent, currentTask, DashboardState, EMPTY_STATE, progressOf, refetchesTasks, withHistory, withSnapshot } from './dashboard-state';
import { JoinTokensPanel } from './join-tokens-panel';
import { NodeLogsView } from './node-logs-view';
import { NodesTable } from './nodes-table';
import { TaskForm } from './task-form';
import { TasksPanel } from './tasks-panel';
import { ThroughputChart } from './throughput-chart';

type Link = 'connecting' | 'live' | 'reconnecting';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

/** Admin actions; each shows its outcome as a notice (the form shows its own errors). */
export interface Actions {
  /** Finishes `task` only if it still runs: two operators pressing Finish at once finish one task. */
  finish(task: string): Promise<void>;
  acknowledgeDataLoss(task: string): Promise<void>;
  stopNode(id: string): Promise<void>;
  /** Scales a node from the hub (null: its own parallelism); its owner's policy still caps it. */
  scaleNode(id: string, parallelism: number | null): Promise<void>;
  removeNode(id: string): Promise<void>;
  /** Revokes a node for good: its credential stops working and its batches go back. */
  revokeNode(id: string): Promise<void>;
  requeueDead(task: string): Promise<void>;
  /** Moves a pending task one place up (before the one above it) or down (after the one below). */
  movePending(task: string, target: { before: string } | { after: string }): Promise<void>;
  /** Saves the task's report as a CSV file. */
  downloadReport(task: string): Promise<void>;
  /** Moves only one failure group's dead items back (issue 19.2). */
  requeueGroup(task: string, group: string): Promise<void>;
  failures(task: string): Promise<FailuresDto>;
  register(body: Record<string, unknown>): Promise<string | null>;
}

export function Dashboard(props: { token: string; admin: boolean; onSignOut: () => void; onUnauthorized: (message: string) => void }) {
  const api = useMemo(() => new ApiClient(props.token, props.onUnauthorized), [props.token]);
  const [state, setState] = useState<DashboardState>(EMPTY_STATE);
  const [link, setLink] = useState<Link>('connecting');
  const [notice, setNotice] = useState<Notice | null>(null);
  const [, setTick] = useState(0);
  const [logsOf, setLogsOf] = useState<string | null>(null);

  const refreshTasks = async () => {
    const tasks = await api.get<TaskListDto>('/api/tasks');
    setState((s) => withSnapshot(s, null, tasks));
  };

  useEffect(() => {
    const abort = new AbortController();
    let delay = 1000;
    (async () => {
      while (!abort.signal.aborted) {
        try {
          // Stream first, snapshot once it is open: nothing that happens between them is lost.
          await api.stream(
            () => {
              delay = 1000;
              setLink('live');
              void Promise.all([api.get<NodeRecordDto[]>('/api/nodes'), api.get<TaskListDto>('/api/tasks')])
                .then(([nodes, tasks]) => setState((s) => withSnapshot(s, nodes, tasks)))
                .catch(() => undefined);
              // The chart starts from the hub's last minutes, not from an empty page.
              void api
                .get<ProgressHistoryDto>('/api/progress/history')
                .then((history) => setState((s) => withHistory(s, history.samples)))
                .catch(() => undefined);
            },
            (event) => {
              // Always a functional update: a snapshot still on its way must not be lost.
              setState((s) => applyEvent(s, event));
              if (refetchesTasks(event)) void refreshTasks().catch(() => undefined);
            },
            abort.signal,
          );
        } catch (err) {
          if (abort.signal.aborted || (err instanceof ApiError && err.status === 401)) return;
        }
        if (abort.signal.aborted) return;
        setLink('reconnecting');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    })();
    // Durations and "last seen" move with the clock even when no event comes.
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [api]);

  const run = async (what: () => Promise<string>): Promise<void> => {
    try {
      setNotice({ kind: 'ok', text: await what() });
    } catch (err) {
      setNotice({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  };

  const actions: Actions = {
    finish: (task) =>
      run(async () => {
        try {
          const r = await api.post<{ message: string }>('/api/tasks/finish', { name: task });
          return r.message;
        } finally {
          // A 409 means the grid moved on meanwhile: show what runs now either way.
          await refreshTasks().catch(() => undefined);
        }
      }),
    acknowledgeDataLoss: (task) =>
      run(async () => {
        await api.post<unknown>(`/api/tasks/${encodeURIComponent(task)}/acknowledge-data-loss`);
        await refreshTasks().catch(() => undefined);
        return `Acknowledged the data loss of ${task}; auto-finish resumes`;
      }),
    stopNode: (id) =>
      run(async () => {
        const node = await api.post<NodeRecordDto>(`/api/nodes/${encodeURIComponent(id)}/stop`);
        return `Asked ${node.hostname} to stop`;
      }),
    scaleNode: (id, parallelism) =>
      run(async () => {
        const node = await api.patch<NodeRecordDto>(`/api/nodes/${encodeURIComponent(id)}`, { parallelism });
        return parallelism === null ? `${node.hostname} runs its own parallelism again` : `Asked ${node.hostname} to run ${parallelism} container(s)`;
      }),
    removeNode: (id) =>
      run(async () => {
        const node = await api.delete<NodeRecordDto>(`/api/nodes/${encodeURIComponent(id)}`);
        setState((s) => applyEvent(s, { type: 'node.removed', at: Date.now(), data: node }));
        return `Removed ${node.hostname}`;
      }),
    revokeNode: (id) =>
      run(async () => {
        const r = await api.post<{ node_id: string; items_handed_back: number }>(`/api/nodes/${encodeURIComponent(id)}/revoke`);
        return `Revoked ${r.node_id} (${r.items_handed_back} items handed back)`;
      }),
    movePending: (task, target) =>
      run(async () => {
        try {
          const r = await api.post<{ pending: string[] }>(`/api/tasks/${encodeURIComponent(task)}/move`, target);
          return `Moved ${task}: ${r.pending.join(', ')}`;
        } finally {
          await refreshTasks().catch(() => undefined);
        }
      }),
    requeueDead: (task) =>
      run(async () => {
        const r = await api.post<{ requeued: number }>(`/api/tasks/${encodeURIComponent(task)}/dead/requeue`);
        return `Requeued ${r.requeued} dead items of ${task}`;
      }),
    downloadReport: (task) =>
      run(async () => {
        const blob = await api.download(`/api/tasks/${encodeURIComponent(task)}/report`, 'text/csv');
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = `${task}-report.csv`;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
        return `Downloaded the report of ${task}`;
      }),
    requeueGroup: (task, group) =>
      run(async () => {
        const r = await api.post<{ requeued: number }>(`/api/tasks/${encodeURIComponent(task)}/dead/requeue`, { group });
        return `Requeued ${r.requeued} dead items of ${task} (group ${group})`;
      }),
    failures: (task) => api.get<FailuresDto>(`/api/tasks/${encodeURIComponent(task)}/failures`),
    register: async (body) => {
      try {
        const t = await api.post<{ name: string; status: string }>('/api/tasks', body);
        setNotice({ kind: 'ok', text: `Registered ${t.name} (${t.status})` });
        await refreshTasks();
        return null;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    },
  };

  const running = currentTask(state);
  const perNode = running ? (progressOf(state, running)?.per_node ?? {}) : {};
  const nodes = Object.values(state.nodes).sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));

  return (
    <div class="page">
      <header class="top">
        <h1>GridCore</h1>
        <span class={`link link-${link}`} data-testid="link">
          {link === 'live' ? 'live' : link === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
        <span class="role" data-testid="role">
          {props.admin ? 'admin' : 'viewer'}
        </span>
        <button class="quiet" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      {notice && (
        <p class={`notice notice-${notice.kind}`} role="status" data-testid="notice">
          {notice.text}
          <button class="quiet" aria-label="dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </p>
      )}
      <TasksPanel state={state} admin={props.admin} actions={actions} />
      <section class="card">
        <h2>Throughput</h2>
        <ThroughputChart samples={state.throughput} />
      </section>
      <NodesTable nodes={nodes} perNode={perNode} admin={props.admin} actions={actions} onLogs={setLogsOf} />
      {logsOf && state.nodes[logsOf] && <NodeLogsView key={logsOf} api={api} node={state.nodes[logsOf]} onClose={() => setLogsOf(null)} />}
      {props.admin && <TaskForm onSubmit={actions.register} />}
      {props.admin && <JoinTokensPanel api={api} />}
    </div>
  );
}
