import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { stateStoreProvider } from '../persistence/state-store.provider';
import { ProgressModule } from '../progress/progress.module';
import { QueuesModule } from '../queues/queues.module';
import { RunnabilityModule } from '../runnability/runnability.module';
import { FileTaskStore } from './file-task-store';
import { QueueRunLeftovers } from './queue-run-leftovers';
import { RedisTaskStore } from './redis-task-store';
import { RunLeftovers } from './run-leftovers';
import { TaskCommands } from './task-commands.service';
import { TaskFailures } from './task-failures.service';
import { TaskCompletion } from './task-completion.service';
import { TaskOrdering } from './task-ordering.service';
import { TaskQueries } from './task-queries.service';
import { TaskStore } from './task-store';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [QueuesModule, ProgressModule, RunnabilityModule, NodesModule],
  controllers: [TasksController],
  providers: [
    stateStoreProvider(TaskStore, { redis: (redis, writes) => new RedisTaskStore(redis, writes), file: (config, writes) => new FileTaskStore(config, writes) }),
    { provide: RunLeftovers, useClass: QueueRunLeftovers },
    TasksService,
    TaskCompletion,
    TaskCommands,
    TaskFailures,
    TaskQueries,
    TaskOrdering,
  ],
  exports: [TasksService, TaskStore, TaskCompletion],
})
export class TasksModule {}
