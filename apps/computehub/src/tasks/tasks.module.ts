import { Module } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { StateRedis } from '../persistence/state-redis.provider';
import { StateWriteHealth } from '../persistence/state-write-health';
import { NodesModule } from '../nodes/nodes.module';
import { ProgressBoardModule } from '../progress/progress-board.module';
import { QueuesModule } from '../queues/queues.module';
import { RunnabilityBoardModule } from '../runnability/runnability-board.module';
import { FileTaskStore } from './file-task-store';
import { RedisTaskStore } from './redis-task-store';
import { TaskCommands } from './task-commands.service';
import { TaskQueries } from './task-queries.service';
import { TaskStore } from './task-store';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [QueuesModule, ProgressBoardModule, RunnabilityBoardModule, NodesModule],
  controllers: [TasksController],
  providers: [
    {
      provide: TaskStore,
      inject: [HubConfig, StateRedis, StateWriteHealth],
      useFactory: (config: HubConfig, redis: StateRedis, writes: StateWriteHealth) =>
        config.values.state_store === 'redis' ? new RedisTaskStore(redis, writes) : new FileTaskStore(config, writes),
    },
    TasksService,
    TaskCommands,
    TaskQueries,
  ],
  exports: [TasksService, TaskStore, TaskCommands],
})
export class TasksModule {}
