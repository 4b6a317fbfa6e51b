import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

/**
 * A job run every N seconds through @nestjs/schedule's registry, whose period comes from config
 * (so no fixed decorator), and whose runs never overlap: a tick that finds the previous one still
 * running is skipped. Failures are logged, never thrown into the timer.
 */
export class PeriodicJob {
  private running = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly name: string,
    private readonly logger: Logger,
    private readonly work: () => Promise<unknown>,
  ) {}

  start(everySeconds: number): void {
    this.registry.addInterval(this.name, setInterval(() => void this.run(), everySeconds * 1000));
  }

  stop(): void {
    if (this.registry.doesExist('interval', this.name)) this.registry.deleteInterval(this.name);
  }

  /** One run now (also what tests call); resolves when done or skipped. */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.work();
    } catch (err) {
      this.logger.warn(`${this.name} failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
