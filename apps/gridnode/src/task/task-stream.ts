import { BehaviorSubject } from 'rxjs';
import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';

/**
 * The node's view of the grid: `task$` holds the task to run (null: none) and changes only when
 * the hub's revision moves.
 */
export class TaskStream {
  readonly task$ = new BehaviorSubject<TaskConfigDto | null>(null);
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
