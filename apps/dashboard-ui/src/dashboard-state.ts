import type { HubEvent, NodeRecordDto, ProgressSampleDto, TaskListDto, TaskProgressDto, TaskRecordDto } from '@gridcore/contracts';

/** How much throughput history the chart keeps. */
export const THROUGHPUT_WINDOW_MS = 10 * 60_000;

export interface ThroughputSample {
  at: number;
  task: string;
  items_per_s: number;
}

/** What the dashboard shows, rebuilt from a snapshot and kept current by the event stream. */
export interface DashboardState {
  nodes: Record<string, NodeRecordDto>;
  tasks: TaskListDto | null;
  /** The latest progress sample of each task, by name (with its run id when the hub sends one). */
  progress: Record<string, StreamedProgress>;
  throughput: ThroughputSample[];
}

/** `moved`: more items were done than at the run's previous sample (work flows, empty lists or not). */
export type StreamedProgress = TaskProgressDto & { task_id?: string; moved?: boolean };

export const EMPTY_STATE: DashboardState = { nodes: {}, tasks: null, progress: {}, throughput: [] };

/** Replaces nodes and tasks with a fresh snapshot; progress seen on the stream is kept. */
export function withSnapshot(state: DashboardState, nodes: NodeRecordDto[] | null, tasks: TaskListDto | null): DashboardState {
  const next = { ...state };
  if (nodes) next.nodes = Object.fromEntries(nodes.map((n) => [n.id, n]));
  if (tasks) {
    next.tasks = tasks;
    const progress = { ...state.progress };
    for (const t of tasks.tasks) {
      const known = progress[t.name];
      if (t.status === 'running' && t.progress && (!known || known.sampled_at <= t.progress.sampled_at)) {
        progress[t.name] = { ...t.progress, task_id: t.id };
      }
    }
    next.progress = progress;
  }
  return next;
}

/**
 * Fills the chart from the hub's recent history (`/api/progress/history`), so a page opened now
 * shows the last minutes; samples the stream already brought are kept, none is drawn twice.
 */
export function withHistory(state: DashboardState, samples: ProgressSampleDto[], now = Date.now()): DashboardState {
  const cutoff = now - THROUGHPUT_WINDOW_MS;
  const seen = new Set(state.throughput.map((s) => `${s.task}@${s.at}`));
  const merged = [...state.throughput];
  for (const s of samples) {
    const at = Date.parse(s.at);
    if (!Number.isFinite(at) || at < cutoff || seen.has(`${s.task}@${at}`)) continue;
    merged.push({ at, task: s.task, items_per_s: queueIdle({ ...s, error: null }) ? 0 : s.items_per_s });
  }
  merged.sort((a, b) => a.at - b.at);
  return { ...state, throughput: merged.filter((s) => s.at >= cutoff) };
}

/**
 * Nothing pending or in flight, and nothing done since the sample before: the rate shows idle,
 * not the last figure measured. Workers fast enough to empty the lists between samples are not idle.
 */
export function queueIdle(p: Pick<StreamedProgress, 'pending' | 'in_flight' | 'error' | 'moved'>): boolean {
  return !p.error && p.pending === 0 && p.in_flight === 0 && !p.moved;
}

/** A node that deregistered stays listed (Offline) until it is removed. */
const NODE_GONE = new Set(['node.removed']);

/**
 * Task events change several lists at once (a finish completes one task and starts another), so
 * the dashboard refetches `/api/tasks` after them instead of patching its copy.
 */
export function refetchesTasks(event: HubEvent): boolean {
  return event.type.startsWith('task.');
}

/**
 * Applies one hub event. Node events carry the whole node record and progress events the whole
 * sample, so they apply in place; task events are left to a refetch (`refetchesTasks`).
 */
export function applyEvent(state: DashboardState, event: HubEvent): DashboardState {
  if (event.type.startsWith('node.')) {
    const node = event.data as NodeRecordDto;
    const nodes = { ...state.nodes };
    if (NODE_GONE.has(event.type)) delete nodes[node.id];
    else nodes[node.id] = node;
    return { ...state, nodes };
  }
  if (event.type === 'progress') {
    const { task, ...received } = event.data as StreamedProgress & { task: string };
    const previous = state.progress[task];
    const sameRun = !!previous && previous.task_id === received.task_id;
    const sample: StreamedProgress = { ...received, moved: sameRun && received.done > previous.done };
    const cutoff = event.at - THROUGHPUT_WINDOW_MS;
    const throughput = state.throughput.filter((s) => s.at >= cutoff);
    // A drained queue processes nothing now, whatever the rate's sliding window still averages.
    if (!sample.error) throughput.push({ at: event.at, task, items_per_s: queueIdle(sample) ? 0 : sample.items_per_s });
    return { ...state, progress: { ...state.progress, [task]: sample }, throughput };
  }
  return state;
}

export function currentTask(state: DashboardState): TaskRecordDto | null {
  return state.tasks?.tasks.find((t) => t.status === 'running') ?? null;
}

/** The latest sample of a task record: the stream's if newer than the record's own. */
export function progressOf(state: DashboardState, task: TaskRecordDto): TaskProgressDto | null {
  let streamed: StreamedProgress | undefined = state.progress[task.name];
  if (streamed?.task_id && streamed.task_id !== task.id) streamed = undefined;
  if (task.status !== 'running') {
    // A finished run shows what its record kept, else the last sample streamed during that run
    // (a name registered again starts a new run, whose samples must not show on the old one).
    if (task.progress || !streamed || !task.started_at) return task.progress ?? null;
    const inRun = streamed.sampled_at >= task.started_at && (!task.completed_at || streamed.sampled_at <= task.completed_at);
    return inRun ? streamed : null;
  }
  if (streamed && (!task.progress || streamed.sampled_at >= task.progress.sampled_at)) return streamed;
  return task.progress ?? null;
}

/** The last error a node reported: an instance's, else none. */
export function lastErrorOf(node: NodeRecordDto): string | null {
  const failing = node.instances.filter((i) => i.last_error);
  const preferred = failing.find((i) => i.state === 'error' || i.state === 'backoff') ?? failing[0];
  return preferred?.last_error ?? null;
}
