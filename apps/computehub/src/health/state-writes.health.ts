import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { StateWriteHealth } from '../persistence/state-write-health';
import { probeHealth } from './probe-health';

/** Ready means the latest write to every state target succeeded (a full disk reads fine). */
@Injectable()
export class StateWritesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly writes: StateWriteHealth,
  ) {}

  check(): Promise<HealthIndicatorResult> {
    return probeHealth(this.indicators, 'state_writes', async () => {
      await this.writes.probeFailing();
      return this.writes.problems();
    });
  }
}
