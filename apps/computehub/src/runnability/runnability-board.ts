import { Injectable } from '@nestjs/common';
import type { TaskRunnabilityDto } from '@gridcore/contracts';

/**
 * The running task's runnability as the tracker keeps it, for the task views. Kept apart from the
 * tracker (which reads tasks and nodes) so the tasks module can show it without a cycle.
 */
@Injectable()
export class RunnabilityBoard {
  private current: { taskId: string; compute: () => TaskRunnabilityDto } | null = null;

  /** The running task's runnability, built when asked (it lists nodes). */
  forTask(taskId: string): TaskRunnabilityDto | null {
    return this.current?.taskId === taskId ? this.current.compute() : null;
  }

  setCurrent(current: { taskId: string; compute: () => TaskRunnabilityDto } | null): void {
    this.current = current;
  }
}
