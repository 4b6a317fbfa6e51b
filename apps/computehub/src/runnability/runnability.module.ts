import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { TasksModule } from '../tasks/tasks.module';
import { ScopedUsersBoardModule } from '../redis-users/scoped-users-board.module';
import { RunnabilityBoardModule } from './runnability-board.module';
import { RunnabilityTracker } from './runnability-tracker';

@Module({ imports: [TasksModule, NodesModule, RunnabilityBoardModule, ScopedUsersBoardModule], providers: [RunnabilityTracker] })
export class RunnabilityModule {}
