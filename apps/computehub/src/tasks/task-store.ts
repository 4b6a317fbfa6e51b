import type { TaskState } from './task-record';

/** Port: where the task state lives between hub restarts. Saves are whole, atomic snapshots. */
export abstract class TaskStore {
  abstract load(): Promise<TaskState | null>;
  abstract save(state: TaskState): Promise<void>;
  /** Throws when the store cannot be used (readiness check). */
  abstract ping(): Promise<void>;
}
