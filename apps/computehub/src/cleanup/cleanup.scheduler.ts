import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HubConfig } from '../config/hub-config';
import { NodesService } from '../nodes/nodes.service';
import { QueueReaper } from './queue-reaper';

const INTERVAL_NAME = 'gridcore-cleanup';

/**
 * Every `cleanup_interval_s`: nodes gone silent go offline, long-gone ones are removed, and
 * expired leases of every held task's queue are requeued. The
 * interval comes from config, so it is registered at start rather than with a fixed decorator.
 * Ticks never overlap, and each is idempotent.
 */
@Injectable()
export class CleanupScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  private running = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly config: HubConfig,
    private readonly nodes: NodesService,
    private readonly reaper: QueueReaper,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.values.cleanup_interval_s * 1000);
    this.registry.addInterval(INTERVAL_NAME, timer);
  }

  onApplicationShutdown(): void {
    if (this.registry.doesExist('interval', INTERVAL_NAME)) this.registry.deleteInterval(INTERVAL_NAME);
  }

  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.nodes.sweep(now);
      await this.reaper.tick(now);
    } catch (err) {
      this.logger.warn(`cleanup tick failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
