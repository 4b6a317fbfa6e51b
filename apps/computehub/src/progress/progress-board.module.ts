import { Module } from '@nestjs/common';
import { ProgressBoard } from './progress-board';
import { ProgressHistory } from './progress-history';

@Module({ providers: [ProgressBoard, ProgressHistory], exports: [ProgressBoard, ProgressHistory] })
export class ProgressBoardModule {}
