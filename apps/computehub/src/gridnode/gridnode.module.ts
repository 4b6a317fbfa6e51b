import { Module } from '@nestjs/common';
import { JoinTokensModule } from '../join-tokens/join-tokens.module';
import { NodesModule } from '../nodes/nodes.module';
import { RedisUsersModule } from '../redis-users/redis-users.module';
import { TasksModule } from '../tasks/tasks.module';
import { GridnodeController } from './gridnode.controller';
import { TaskWatch } from './task-watch.service';

@Module({ imports: [TasksModule, NodesModule, JoinTokensModule, RedisUsersModule], controllers: [GridnodeController], providers: [TaskWatch] })
export class GridnodeModule {}
