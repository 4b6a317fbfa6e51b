import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { TasksModule } from '../tasks/tasks.module';
import { RunnabilityBoardModule } from './runnability-board.module';
import { RunnabilityTracker } from './runnability-tracker';

@Module({ imports: [TasksModule, NodesModule, RunnabilityBoardModule], providers: [RunnabilityTracker] })
export class RunnabilityModule {}
