import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { TasksModule } from '../tasks/tasks.module';
import { DataLossController } from './data-loss.controller';
import { DataLossService } from './data-loss.service';
import { ProgressBoardModule } from './progress-board.module';
import { ProgressController } from './progress.controller';
import { ProgressSampler } from './progress-sampler';
import { QueueConfigWriter } from './queue-config-writer';

@Module({
  imports: [TasksModule, QueuesModule, ProgressBoardModule],
  controllers: [DataLossController, ProgressController],
  providers: [ProgressSampler, QueueConfigWriter, DataLossService],
  exports: [ProgressSampler],
})
export class ProgressModule {}
