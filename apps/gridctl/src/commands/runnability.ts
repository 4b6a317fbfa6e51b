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

/** What the hub client offers that the first-verdict wait needs. */
interface HubReads {
  getTask(name: string): Promise<TaskRecord>;
  nodes(): Promise<NodeRecord[]>;
}

/**
 * After `task add` started a task at once: waits until an online node runs one of its containers,
 * or no online node can run it (a failed pull takes the node a few seconds), or `waitS` passes.
 * Answers the warning line, or null. A pull that is still going when the time is up is no warning.
 */
export async function firstVerdict(hub: HubReads, record: TaskRecord, waitS: number, pollMs = 250): Promise<string | null> {
  let current = record;
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const warning = unrunnableWarning(current);
    if (warning || current.status !== 'running' || current.id !== record.id) return warning;
    if (!current.runnable || current.runnable.nodes_running === 0) return null;
    const nodes = await hub.nodes();
    if (nodes.some((n) => n.status === 'Online' && n.task_name === record.name && n.active_containers > 0)) return null;
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, pollMs));
    current = await hub.getTask(record.name);
  }
}
