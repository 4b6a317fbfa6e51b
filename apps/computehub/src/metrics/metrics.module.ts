import { Module, NestModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { NodesModule } from '../nodes/nodes.module';
import { ProgressModule } from '../progress/progress.module';
import { TasksModule } from '../tasks/tasks.module';
import { httpMetricsMiddleware } from './http-metrics.middleware';
import { HubMetrics } from './hub-metrics';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` and the HTTP timing of every route. */
@Module({
  imports: [NodesModule, TasksModule, ProgressModule],
  controllers: [MetricsController],
  providers: [HubMetrics],
})
export class MetricsModule implements NestModule {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: HubMetrics,
  ) {}

  /**
   * Mounted where Nest mounts module middleware (before the routes), as a plain root middleware
   * rather than `consumer.apply(...).forRoutes('{*path}')`: for that one the router matched a
   * wildcard pattern and decoded and split the whole path into a parameter on every request.
   */
  configure(): void {
    this.adapterHost.httpAdapter.use(httpMetricsMiddleware(this.metrics));
  }
}
