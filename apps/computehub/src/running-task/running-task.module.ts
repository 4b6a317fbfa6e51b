import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { ProgressModule } from '../progress/progress.module';
import { QueuesModule } from '../queues/queues.module';
import { ScopedUsersBoardModule } from '../redis-users/scoped-users-board.module';
import { RunnabilityModule } from '../runnability/runnability.module';
import { TasksModule } from '../tasks/tasks.module';
import { DataLossController } from './data-loss.controller';
import { DataLossService } from './data-loss.service';
import { ProgressSampler } from './progress-sampler';
import { QueueConfigWriter } from './queue-config-writer';
import { RunnabilityTracker } from './runnability-tracker';

/**
 * The hub's watch over the running task: samples its queues (progress, auto-finish, data loss)
 * and judges the online nodes against it (runnability). Above tasks/: it completes a task only
 * through TaskCompletion.
 */
@Module({
  imports: [TasksModule, QueuesModule, ProgressModule, RunnabilityModule, NodesModule, ScopedUsersBoardModule],
  controllers: [DataLossController],
  providers: [ProgressSampler, QueueConfigWriter, DataLossService, RunnabilityTracker],
  exports: [ProgressSampler],
})
export class RunningTaskModule {}
