import { Module } from '@nestjs/common';
import { ProgressBoard } from './progress-board';
import { ProgressDemand } from './progress-demand';

@Module({ providers: [ProgressBoard, ProgressDemand], exports: [ProgressBoard, ProgressDemand] })
export class ProgressBoardModule {}
