import { BehaviorSubject, Subject } from 'rxjs';
import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';

/** Why the agent stops. */
export type StopReason = 'signal' | 'hub' | 'revoked' | 'refused';

/**
 * The node's view of the grid: `task$` holds the task to run (null: none) and changes only when
 * the hub's revision moves; `stop$` fires once when the agent must stop.
 */
export class TaskStream {
  readonly task$ = new BehaviorSubject<TaskConfigDto | null>(null);
  readonly stop$ = new Subject<StopReason>();
  private revision: number | null = null;

  /** Pushes the task of a new revision; the same revision again changes nothing. */
  offer(revision: number, task: TaskConfigDto | null): boolean {
    if (this.revision === revision) return false;
    this.revision = revision;
    this.task$.next(task);
    return true;
  }

  get currentRevision(): number | null {
    return this.revision;
  }
}
