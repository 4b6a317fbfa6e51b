import { Injectable } from '@nestjs/common';
import { FinishResultDto, NextResultDto, TaskCreateDto, TaskRecordDto } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { publicTask } from './task-views';
import { TasksService } from './tasks.service';

/** The operator's task actions, shaped as the API answers them. */
@Injectable()
export class TaskCommands {
  constructor(private readonly tasks: TasksService) {}

  async register(dto: TaskCreateDto): Promise<TaskRecordDto> {
    return publicTask(await this.tasks.register(dto));
  }

  async finish(): Promise<FinishResultDto> {
    const { completed, started } = await this.tasks.finish('finish');
    const name = completed!.name;
    return {
      completed: name,
      started: started?.name ?? null,
      message: started ? `Task ${name} completed; started ${started.name}` : `Task ${name} completed; no pending task`,
      left: completed!.left,
    };
  }

  async next(): Promise<NextResultDto> {
    const { completed, started } = await this.tasks.next();
    // As the original: the running task is completed even when nothing follows it.
    if (!started) throw new InvalidRequestError('No more tasks available');
    return { previous: completed?.name ?? 'none', current: started.name };
  }

  async remove(name: string): Promise<{ removed: TaskRecordDto[] }> {
    const removed = await this.tasks.remove(name);
    return { removed: removed.map((r) => publicTask(r)) };
  }
}
