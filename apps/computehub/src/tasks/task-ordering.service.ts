import { Injectable } from '@nestjs/common';
import { TaskMoveDto, TaskOrderResultDto } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';
import type { TaskRecord } from './task-record';
import { priorityOf } from './task-views';
import { TasksService } from './tasks.service';

/** The operator's reordering of pending tasks: priorities and moves, answered with the order they made. */
@Injectable()
export class TaskOrdering {
  constructor(private readonly tasks: TasksService) {}

  async setPriority(name: string, priority: number): Promise<TaskOrderResultDto> {
    return this.answer(await this.tasks.setPriority(name, priority));
  }

  async move(name: string, body: TaskMoveDto): Promise<TaskOrderResultDto> {
    const { before, after } = body ?? {};
    if (before !== undefined && after !== undefined) throw new InvalidRequestError('give before or after, not both');
    if (before !== undefined) return this.answer(await this.tasks.move(name, { before }));
    if (after !== undefined) return this.answer(await this.tasks.move(name, { after }));
    throw new InvalidRequestError('before or after is required: the pending task to place it next to');
  }

  private answer(run: TaskRecord): TaskOrderResultDto {
    return { name: run.name, priority: priorityOf(run), pending: this.tasks.view().pending().map((t) => t.name) };
  }
}
