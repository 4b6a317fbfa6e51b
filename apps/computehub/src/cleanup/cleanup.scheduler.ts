import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HubConfig } from '../config/hub-config';
import { NodesService } from '../nodes/nodes.service';
import { RedisUsers } from '../redis-users/redis-users.service';
import { PeriodicJob } from '../scheduling/periodic-job';
import { QueueReaper } from './queue-reaper';

/**
 * Every `cleanup_interval_s`: nodes gone silent go offline, long-gone ones are removed, and
 * expired leases of every held task's queue are requeued, and scoped Redis users are set again
 * on every server of the running task's Redis (or deleted once done). Each tick is idempotent.
 */
@Injectable()
export class CleanupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: PeriodicJob;
  /** The time a direct `tick(now)` asked for; timer ticks use the clock. */
  private requestedNow: number | null = null;

  constructor(
    registry: SchedulerRegistry,
    private readonly config: HubConfig,
    private readonly nodes: NodesService,
    private readonly reaper: QueueReaper,
    private readonly redisUsers: RedisUsers,
  ) {
    this.job = new PeriodicJob(registry, 'gridcore-cleanup', new Logger('Cleanup'), async () => {
      const now = this.requestedNow ?? Date.now();
      this.requestedNow = null;
      await this.nodes.sweep(now);
      await this.reaper.tick(now);
      await this.redisUsers.tick();
    });
  }

  onApplicationBootstrap(): void {
    this.job.start(this.config.values.cleanup_interval_s);
  }

  onApplicationShutdown(): void {
    this.job.stop();
  }

  tick(now = Date.now()): Promise<void> {
    this.requestedNow = now;
    return this.job.run();
  }
}
