import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { ProgressModule } from '../progress/progress.module';
import { TasksModule } from '../tasks/tasks.module';
import { DeadItemGroups, NoDeadItemGroups } from './dead-item-groups.port';
import { TaskReportsController } from './task-reports.controller';
import { TaskReports } from './task-reports.service';
import { TaskUsageTracker } from './task-usage-tracker';

/**
 * A report per task run (issue 19, point 5). Dead items by group come through the
 * {@link DeadItemGroups} port: bound to {@link NoDeadItemGroups} (count only) until the failure
 * grouping provides its adapter.
 */
@Module({
  imports: [TasksModule, NodesModule, ProgressModule],
  controllers: [TaskReportsController],
  providers: [TaskUsageTracker, TaskReports, { provide: DeadItemGroups, useClass: NoDeadItemGroups }],
})
export class TaskReportsModule {}
