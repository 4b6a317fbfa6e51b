import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { ProgressModule } from '../progress/progress.module';
import { TasksModule } from '../tasks/tasks.module';
import { QueuesModule } from '../queues/queues.module';
import { DeadItemGroups } from './dead-item-groups.port';
import { QueueDeadItemGroups } from './queue-dead-item-groups';
import { TaskReportsController } from './task-reports.controller';
import { TaskReports } from './task-reports.service';
import { TaskUsageTracker } from './task-usage-tracker';

/**
 * A report per task run (issue 19, point 5). Dead items by group come through the
 * {@link DeadItemGroups} port, read from the run's queue with the failures view's grouping.
 */
@Module({
  imports: [TasksModule, NodesModule, ProgressModule, QueuesModule],
  controllers: [TaskReportsController],
  providers: [TaskUsageTracker, TaskReports, { provide: DeadItemGroups, useClass: QueueDeadItemGroups }],
})
export class TaskReportsModule {}
