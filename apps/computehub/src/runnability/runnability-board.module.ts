import { Module } from '@nestjs/common';
import { RunnabilityBoard } from './runnability-board';

@Module({ providers: [RunnabilityBoard], exports: [RunnabilityBoard] })
export class RunnabilityBoardModule {}
