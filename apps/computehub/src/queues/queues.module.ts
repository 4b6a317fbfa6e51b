import { Module } from '@nestjs/common';
import { RedisTaskQueues } from './redis-task-queues';
import { TaskQueues } from './task-queues';

@Module({ providers: [{ provide: TaskQueues, useClass: RedisTaskQueues }], exports: [TaskQueues] })
export class QueuesModule {}
