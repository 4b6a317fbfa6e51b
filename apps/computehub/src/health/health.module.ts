import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TasksModule } from '../tasks/tasks.module';
import { HealthController } from './health.controller';
import { StateStoreHealthIndicator } from './state-store.health';
import { StateWritesHealthIndicator } from './state-writes.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), TasksModule],
  controllers: [HealthController],
  providers: [StateStoreHealthIndicator, StateWritesHealthIndicator],
})
export class HealthModule {}
