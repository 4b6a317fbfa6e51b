/** Event types published on the hub's SSE stream (`GET /api/events`). */
export const HUB_EVENT_TYPES = [
  'task.registered',
  'task.started',
  'task.finished',
  'task.removed',
  /** The running task's Redis lost its queue's keys; data: the task record (with `data_loss`). */
  'task.data_lost',
  /** An operator acknowledged it; auto-finish resumes. Data: the task record. */
  'task.data_loss_acknowledged',
  /** No online node can run the running task: data is the task's `runnable` with its name. */
  'task.unrunnable',
  /** An online node can run it again. */
  'task.runnable',
  /** Whether the hub can create the running task's scoped Redis users changed; data: the task record (`scoped_users`). */
  'task.node_credentials',
  'node.registered',
  'node.online',
  'node.offline',
  'node.updated',
  'node.stopping',
  'node.deregistered',
  'node.removed',
  'progress',
] as const;

export type HubEventType = (typeof HUB_EVENT_TYPES)[number];

export interface HubEvent<T = unknown> {
  type: HubEventType;
  /** Milliseconds since the epoch, hub clock. */
  at: number;
  data: T;
}
