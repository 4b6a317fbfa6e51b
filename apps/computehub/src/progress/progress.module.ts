import { Module } from '@nestjs/common';
import { ProgressController } from './progress.controller';
import { ProgressBoard } from './progress-board';
import { ProgressDemand } from './progress-demand';
import { ProgressHistory } from './progress-history';

/** What the hub knows of each run's progress (latest sample, recent history, who watches). */
@Module({
  controllers: [ProgressController],
  providers: [ProgressBoard, ProgressHistory, ProgressDemand],
  exports: [ProgressBoard, ProgressHistory, ProgressDemand],
})
export class ProgressModule {}
