import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { QueuesModule } from '../queues/queues.module';
import { TasksModule } from '../tasks/tasks.module';
import { IoredisAcl } from './ioredis-acl';
import { NodeTaskConfigs } from './node-task-configs';
import { RedisAcl } from './redis-acl';
import { RedisUsers } from './redis-users.service';
import { ScopedUsersBoardModule } from './scoped-users-board.module';

/** Redis ACL users scoped to one task run and node, for volunteer nodes (issue 16.4). */
@Module({
  imports: [TasksModule, NodesModule, QueuesModule, ScopedUsersBoardModule],
  providers: [
    { provide: RedisAcl, useClass: IoredisAcl },
    RedisUsers,
    NodeTaskConfigs,
  ],
  exports: [RedisUsers, NodeTaskConfigs],
})
export class RedisUsersModule {}
