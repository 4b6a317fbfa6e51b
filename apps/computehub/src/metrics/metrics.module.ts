import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { ProgressModule } from '../progress/progress.module';
import { TasksModule } from '../tasks/tasks.module';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { HubMetrics } from './hub-metrics';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` and the HTTP timing of every route. */
@Module({
  imports: [NodesModule, TasksModule, ProgressModule],
  controllers: [MetricsController],
  providers: [HubMetrics],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
