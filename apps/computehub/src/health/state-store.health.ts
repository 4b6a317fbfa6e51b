import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { TaskStore } from '../tasks/task-store';

/** Ready means the hub can persist a task change. */
@Injectable()
export class StateStoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly store: TaskStore,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('state_store');
    try {
      await this.store.ping();
      return session.up();
    } catch (err) {
      return session.down({ message: (err as Error).message });
    }
  }
}
