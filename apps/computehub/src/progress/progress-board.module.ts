import { Module } from '@nestjs/common';
import { ProgressBoard } from './progress-board';
import { ProgressDemand } from './progress-demand';
import { ProgressHistory } from './progress-history';

@Module({ providers: [ProgressBoard, ProgressHistory, ProgressDemand], exports: [ProgressBoard, ProgressHistory, ProgressDemand] })
export class ProgressBoardModule {}
