import { Module } from '@nestjs/common';
import { RedisServers } from './redis-servers';
import { RedisTaskQueues } from './redis-task-queues';
import { TaskQueues } from './task-queues';

@Module({ providers: [{ provide: TaskQueues, useClass: RedisTaskQueues }, RedisServers], exports: [TaskQueues, RedisServers] })
export class QueuesModule {}
