import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { StateWriteHealth } from '../persistence/state-write-health';

/** Ready means the latest write to every state target succeeded (a full disk reads fine). */
@Injectable()
export class StateWritesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly writes: StateWriteHealth,
  ) {}

  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('state_writes');
    await this.writes.probeFailing();
    const problems = this.writes.problems();
    return problems.length === 0 ? session.up() : session.down({ message: problems.join('; ') });
  }
}
