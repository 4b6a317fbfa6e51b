import type { NodeRecordDto } from './nodes/node-record.dto';
import type { TaskProgressDto, TaskRecordDto } from './tasks/task-record.dto';
import type { TaskRunnabilityDto } from './tasks/task-runnability.dto';

/** Event types published on the hub's SSE stream (`GET /api/events`). */
export const HUB_EVENT_TYPES = [
  'task.registered',
  'task.started',
  'task.finished',
  'task.removed',
  /** A pending task's priority or place changed; data: its record. Re-read `GET /api/tasks` for the order. */
  'task.reordered',
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
  /** An operator revoked the node (or its join token): its credential answers 401 from now on. */
  'node.revoked',
  'progress',
] as const;

export type HubEventType = (typeof HUB_EVENT_TYPES)[number];

export interface HubEvent<T = unknown> {
  type: HubEventType;
  /** Milliseconds since the epoch, hub clock. */
  at: number;
  data: T;
}

/** A `progress` event's data: the task's name, its run id, and its latest sample. */
export type ProgressEventData = TaskProgressDto & { task: string; task_id: string };

/** `task.runnable` / `task.unrunnable`: the running task's runnability, with its name and run id. */
export type RunnabilityEventData = TaskRunnabilityDto & { task: string; task_id: string };

/** A task's start or completion: its record and the task state's revision after the change. */
export type TaskTransitionEventData = TaskRecordDto & { revision: number };

/** What each event type carries, so the hub's bus and its listeners share one typing. */
export interface HubEventPayloads {
  'task.registered': TaskRecordDto;
  'task.started': TaskTransitionEventData;
  'task.finished': TaskTransitionEventData;
  'task.removed': TaskRecordDto;
  'task.reordered': TaskRecordDto;
  'task.data_lost': TaskRecordDto;
  'task.data_loss_acknowledged': TaskRecordDto;
  'task.node_credentials': TaskRecordDto;
  'task.unrunnable': RunnabilityEventData;
  'task.runnable': RunnabilityEventData;
  'node.registered': NodeRecordDto;
  'node.online': NodeRecordDto;
  'node.offline': NodeRecordDto;
  'node.updated': NodeRecordDto;
  'node.stopping': NodeRecordDto;
  'node.deregistered': NodeRecordDto;
  'node.removed': NodeRecordDto;
  'node.revoked': NodeRecordDto;
  progress: ProgressEventData;
}

/** One event of type `K` with its payload; over every type, the union a switch narrows. */
export type TypedHubEvent<K extends HubEventType = HubEventType> = {
  [P in K]: { type: P; at: number; data: HubEventPayloads[P] };
}[K];

// Fails to compile when HUB_EVENT_TYPES and HubEventPayloads list different types.
type Exactly<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
type Holds<T extends true> = T;
export type HubEventPayloadsComplete = Holds<Exactly<keyof HubEventPayloads, HubEventType>>;
