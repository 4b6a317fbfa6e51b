import { Injectable } from '@nestjs/common';
import { TaskListDto, TaskRecordDto } from '@gridcore/contracts';
import { ProgressBoard } from '../progress/progress-board';
import { ProgressDemand } from '../progress/progress-demand';
import { RunnabilityBoard } from '../runnability/runnability-board';
import type { TaskRecord } from './task-record';
import { publicTask } from './task-views';
import { TasksService } from './tasks.service';

/** Read side of tasks, as the API shows them (passwords masked). */
@Injectable()
export class TaskQueries {
  constructor(
    private readonly tasks: TasksService,
    private readonly progress: ProgressBoard,
    private readonly runnability: RunnabilityBoard,
    private readonly demand: ProgressDemand,
  ) {}

  private show(task: TaskRecord): TaskRecordDto {
    return { ...publicTask(task, this.progress.get(task.id)), runnable: this.runnability.forTask(task.id) };
  }

  list(): TaskListDto {
    const view = this.tasks.view();
    return {
      current: view.current()?.name ?? null,
      pending: view.pending().map((t) => t.name),
      completed: view.completed().map((t) => t.name),
      tasks: view.state.tasks.map((t) => this.show(t)),
    };
  }

  /** With `fresh`, a running task's progress comes from a sample taken after this call. */
  async get(name: string, fresh = false): Promise<TaskRecordDto> {
    const task = this.tasks.get(name);
    if (fresh && task.status === 'running') await this.demand.fresh();
    // Read again: the sample may have finished the task (auto-finish) or a finish may have come.
    return this.show(this.tasks.get(name));
  }
}
