import { Injectable, Logger } from '@nestjs/common';
import type { TaskRecordDto } from '@gridcore/contracts';
import { ConflictError } from '../errors/conflict.error';
import { EventBus } from '../events/event-bus';
import { publicTask } from '../tasks/task-views';
import { ProgressBoard } from '../progress/progress-board';
import { TasksService } from '../tasks/tasks.service';
import { QueueConfigWriter } from './queue-config-writer';

/**
 * A task whose Redis lost its queue (seen by the sampler through P:config's run id): flags the
 * record, says so on SSE, and holds auto-finish until an operator acknowledges the loss, since
 * empty lists then mean "lost", not "done".
 */
@Injectable()
export class DataLossService {
  private readonly logger = new Logger('DataLoss');
  /**
   * Moves when an acknowledgement rewrites P:config: a sample read before that must not flag
   * the task again, so the sampler compares the epoch of its reading with the present one.
   */
  private acknowledgements = 0;

  constructor(
    private readonly tasks: TasksService,
    private readonly configWriter: QueueConfigWriter,
    private readonly board: ProgressBoard,
    private readonly bus: EventBus,
  ) {}

  get epoch(): number {
    return this.acknowledgements;
  }

  /** Flags a run once; a run already flagged stays as it was first seen. */
  async flag(taskId: string, reason: string): Promise<void> {
    const task = this.find(taskId);
    if (!task || task.data_loss) return;
    await this.tasks.annotate(taskId, { data_loss: { detected_at: new Date().toISOString(), reason } });
    this.logger.warn(`task ${task.name}: ${reason}; auto-finish is suspended until POST /api/tasks/${task.name}/acknowledge-data-loss`);
    this.bus.publish('task.data_lost', publicTask(this.find(taskId)!, this.board.get(taskId)));
  }

  /**
   * The operator's decision: P:config is written again (for a running task) and the flag
   * cleared, so auto-finish resumes. Nothing changes if Redis does not take the write.
   */
  async acknowledge(name: string): Promise<TaskRecordDto> {
    const task = this.tasks.get(name);
    if (!task.data_loss) throw new ConflictError(`Task ${name} has no data loss to acknowledge`);
    if (task.status === 'running') {
      await this.configWriter.rewrite(task.id);
      this.acknowledgements += 1;
    }
    await this.tasks.annotate(task.id, { data_loss: null });
    this.logger.log(`task ${name}: data loss acknowledged${task.status === 'running' ? '; P:config written again, auto-finish resumes' : ''}`);
    const shown = publicTask(this.find(task.id)!, this.board.get(task.id));
    this.bus.publish('task.data_loss_acknowledged', shown);
    return shown;
  }

  private find(taskId: string) {
    return this.tasks.view().state.tasks.find((t) => t.id === taskId);
  }
}
