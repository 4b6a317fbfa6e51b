import { Injectable } from '@nestjs/common';
import { TaskListDto, TaskRecordDto, TaskRunnabilityDto } from '@gridcore/contracts';
import { ProgressBoard } from '../progress/progress-board';
import { ProgressDemand } from '../progress/progress-demand';
import { NodesService } from '../nodes/nodes.service';
import { hubDerivedReason } from '../runnability/node-verdict';
import { RunnabilityBoard } from '../runnability/runnability-board';
import { RunnabilityTally } from '../runnability/runnability-tally';
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
    private readonly nodes: NodesService,
  ) {}

  private show(task: TaskRecord): TaskRecordDto {
    const runnable = task.status === 'pending' ? this.pendingFit(task) : this.runnability.forTask(task.id);
    return { ...publicTask(task, this.progress.get(task.id)), runnable };
  }

  /**
   * Which online nodes could run a pending task, judged by the hub alone (what only a node
   * knows, such as a failed pull, shows once it runs).
   */
  private pendingFit(task: TaskRecord): TaskRunnabilityDto {
    const runnable = { id: task.id, name: task.name, image: task.image, images: task.images, gpus: task.gpus, constraints: task.constraints ?? null };
    const tally = new RunnabilityTally(task.name);
    for (const node of this.nodes.records()) {
      const facts = { platform: node.platform, gpuCount: node.gpus.length, labels: node.labels, memoryMb: node.memory_total_mb, cpus: node.cpu_count };
      tally.set(node.id, node.hostname, node.online, node.online ? hubDerivedReason(runnable, facts) : null);
    }
    return tally.view();
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
