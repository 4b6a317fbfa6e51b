import type { NodeRecord, TaskRecord } from '@gridcore/operator';

/** The warning line for a running task no online node can run, or null when one can. */
export function unrunnableWarning(t: Pick<TaskRecord, 'name' | 'status' | 'runnable'>): string | null {
  const r = t.runnable;
  if (t.status !== 'running' || !r || r.runnable) return null;
  return `warning: ${r.summary}`;
}

/** `nodes`' REASON cell: why the node runs none of the current task's containers. */
export function notRunningCell(n: Pick<NodeRecord, 'not_running'>): string {
  const why = n.not_running;
  return why ? `${why.reason}: ${why.detail}` : '-';
}
