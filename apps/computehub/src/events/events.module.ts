import { Global, Module } from '@nestjs/common';
import { ProgressModule } from '../progress/progress.module';
import { EventBus } from './event-bus';
import { EventsController } from './events.controller';

@Global()
@Module({ imports: [ProgressModule], providers: [EventBus], controllers: [EventsController], exports: [EventBus] })
export class EventsModule {}
