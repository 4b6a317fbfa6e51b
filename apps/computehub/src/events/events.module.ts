import { Global, Module } from '@nestjs/common';
import { ProgressBoardModule } from '../progress/progress-board.module';
import { EventBus } from './event-bus';
import { EventsController } from './events.controller';

@Global()
@Module({ imports: [ProgressBoardModule], providers: [EventBus], controllers: [EventsController], exports: [EventBus] })
export class EventsModule {}
