import { Inject, Injectable } from '@nestjs/common';
import type { TaskReportDto } from '@gridcore/contracts';
import { NodesService } from '../nodes/nodes.service';
import { ProgressBoard } from '../progress/progress-board';
import { maskRedisUrlsDeep } from '../redaction/redis-urls';
import { TasksService } from '../tasks/tasks.service';
import { DeadItemGroups } from './dead-item-groups.port';
import { buildTaskReport } from './task-report';
import { TaskUsageTracker } from './task-usage-tracker';

/** The report of a task's latest run: duration, items, dead by group, per-node items and CPU/GPU-seconds, switch times. */
@Injectable()
export class TaskReports {
  constructor(
    private readonly tasks: TasksService,
    private readonly nodes: NodesService,
    private readonly board: ProgressBoard,
    private readonly usage: TaskUsageTracker,
    @Inject(DeadItemGroups) private readonly groups: DeadItemGroups,
  ) {}

  async report(name: string): Promise<TaskReportDto> {
    const run = this.tasks.get(name);
    const progress = run.status === 'completed' ? (run.final_progress ?? null) : this.board.get(run.id);
    // What the ledger holds is fresher; the record's is what a restart left.
    const usage = { ...(run.usage ?? {}), ...this.usage.usageOf(run.id) };
    const groups = await this.groups.groupsOf(run).catch(() => null);
    return maskRedisUrlsDeep(buildTaskReport(run, progress, usage, groups, (id) => this.nodes.find(id)?.hostname ?? null, Date.now()));
  }
}
