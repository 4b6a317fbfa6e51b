import { Injectable } from '@nestjs/common';
import { TaskListDto, TaskRecordDto } from '@gridcore/contracts';
import { ProgressBoard } from '../progress/progress-board';
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

  get(name: string): TaskRecordDto {
    return this.show(this.tasks.get(name));
  }
}
