import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module';
import { CleanupModule } from './cleanup/cleanup.module';
import { HubConfig } from './config/hub-config';
import { HubConfigModule } from './config/hub-config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { EventsModule } from './events/events.module';
import { GatewayModule } from './gateway/gateway.module';
import { GridnodeModule } from './gridnode/gridnode.module';
import { NodeLogsModule } from './node-logs/node-logs.module';
import { TaskReportsModule } from './task-reports/task-reports.module';
import { HealthModule } from './health/health.module';
import { NoBodyGuard } from './http/no-body.guard';
import { MetricsModule } from './metrics/metrics.module';
import { NodesModule } from './nodes/nodes.module';
import { PersistenceModule } from './persistence/persistence.module';
import { ProgressModule } from './progress/progress.module';
import { RunnabilityModule } from './runnability/runnability.module';
import { RunningTaskModule } from './running-task/running-task.module';
import { TasksModule } from './tasks/tasks.module';

@Module({})
export class AppModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        HubConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        PersistenceModule,
        EventsModule,
        AuthModule,
        TasksModule,
        NodesModule,
        GridnodeModule,
        NodeLogsModule,
        TaskReportsModule,
        GatewayModule,
        CleanupModule,
        ProgressModule,
        RunnabilityModule,
        RunningTaskModule,
        HealthModule,
        MetricsModule,
        DashboardModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: NoBodyGuard }],
    };
  }
}
