import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { QueuesModule } from '../queues/queues.module';
import { TasksModule } from '../tasks/tasks.module';
import { ProgressBoardModule } from './progress-board.module';
import { ProgressSampler } from './progress-sampler';
import { QueueConfigWriter } from './queue-config-writer';

@Module({
  imports: [TasksModule, QueuesModule, ProgressBoardModule, NodesModule],
  providers: [ProgressSampler, QueueConfigWriter],
  exports: [ProgressSampler],
})
export class ProgressModule {}
