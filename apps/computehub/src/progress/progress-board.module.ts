import { Module } from '@nestjs/common';
import { ProgressBoard } from './progress-board';

@Module({ providers: [ProgressBoard], exports: [ProgressBoard] })
export class ProgressBoardModule {}
