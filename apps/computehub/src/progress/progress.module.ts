import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { TasksModule } from '../tasks/tasks.module';
import { ProgressBoardModule } from './progress-board.module';
import { ProgressController } from './progress.controller';
import { ProgressSampler } from './progress-sampler';
import { QueueConfigWriter } from './queue-config-writer';

@Module({
  imports: [TasksModule, QueuesModule, ProgressBoardModule],
  controllers: [ProgressController],
  providers: [ProgressSampler, QueueConfigWriter],
  exports: [ProgressSampler],
})
export class ProgressModule {}
