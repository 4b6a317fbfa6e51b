import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { QueuesModule } from '../queues/queues.module';
import { RedisUsersModule } from '../redis-users/redis-users.module';
import { TasksModule } from '../tasks/tasks.module';
import { CleanupScheduler } from './cleanup.scheduler';
import { QueueReaper } from './queue-reaper';

@Module({
  imports: [NodesModule, TasksModule, QueuesModule, RedisUsersModule],
  providers: [CleanupScheduler, QueueReaper],
  exports: [CleanupScheduler, QueueReaper],
})
export class CleanupModule {}
