import { Module } from '@nestjs/common';
import { RunnabilityBoard } from './runnability-board';

/** Whether online nodes can run the running task, as last judged (by the running-task watch). */
@Module({ providers: [RunnabilityBoard], exports: [RunnabilityBoard] })
export class RunnabilityModule {}
