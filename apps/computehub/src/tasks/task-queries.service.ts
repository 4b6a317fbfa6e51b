import { Injectable } from '@nestjs/common';
import { TaskListDto, TaskRecordDto } from '@gridcore/contracts';
import { publicTask } from './task-views';
import { TasksService } from './tasks.service';

/** Read side of tasks, as the API shows them (passwords masked). */
@Injectable()
export class TaskQueries {
  constructor(private readonly tasks: TasksService) {}

  list(): TaskListDto {
    const view = this.tasks.view();
    return {
      current: view.current()?.name ?? null,
      pending: view.pending().map((t) => t.name),
      completed: view.completed().map((t) => t.name),
      tasks: view.state.tasks.map((t) => publicTask(t)),
    };
  }

  get(name: string): TaskRecordDto {
    return publicTask(this.tasks.get(name));
  }
}
