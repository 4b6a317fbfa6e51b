import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { TaskStore } from '../tasks/task-store';
import { probeHealth } from './probe-health';

/** Ready means the hub can persist a task change. */
@Injectable()
export class StateStoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly store: TaskStore,
  ) {}

  check(): Promise<HealthIndicatorResult> {
    return probeHealth(this.indicators, 'state_store', async () => {
      await this.store.ping();
      return [];
    });
  }
}
