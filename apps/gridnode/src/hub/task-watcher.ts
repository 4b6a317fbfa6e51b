import { Logger } from '@nestjs/common';
import { StopSignal } from '../lifecycle/stop-signal';
import { backoffDelay, sleep } from '../shared/backoff';
import type { ParallelismRequest } from '../shared/parallelism-request';
import { TaskStream } from '../task/task-stream';
import { HubClient } from './hub-client';

/** Seconds one long-poll waits at the hub (SPEC §2.7 caps it at 60). */
export const POLL_WAIT_S = 30;

/**
 * Long-polls `GET /gridnode/task` (SPEC §2.7) and pushes every new revision into `task$`; a stop
 * request arrives here at once. When the hub is unreachable it retries with backoff and leaves
 * `task$` alone, so the containers keep running the last known task.
 */
export class TaskWatcher {
  private readonly logger = new Logger('TaskWatcher');
  private readonly closed = new AbortController();
  private loop?: Promise<void>;
  private failures = 0;

  constructor(
    private readonly hub: HubClient,
    private readonly stream: TaskStream,
    private readonly stopSignal: StopSignal,
    private readonly platform: string,
    private readonly nodeId: () => string | null,
    private readonly waitS = POLL_WAIT_S,
    /** Where the hub's parallelism (issue 20) goes when the poll carries one. */
    private readonly scale?: ParallelismRequest,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.closed.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.closed.signal;
    while (!signal.aborted) {
      try {
        const envelope = await this.hub.pollTask(
          { platform: this.platform, waitS: this.waitS, revision: this.stream.currentRevision, nodeId: this.nodeId() },
          signal,
        );
        if (this.failures > 0) this.logger.log(`hub reachable again at ${this.hub.url}`);
        this.failures = 0;
        if (envelope.stop_requested) this.stopSignal.request('hub');
        if (this.scale && envelope.parallelism !== undefined) this.scale.set(envelope.parallelism);
        if (this.stream.offer(envelope.revision, envelope.task)) {
          this.logger.log(`task revision ${envelope.revision}: ${envelope.task ? envelope.task.task_name : 'no task'}`);
        }
      } catch (err) {
        if (signal.aborted) break;
        this.failures++;
        const delay = backoffDelay(this.failures, 500, 30_000, 0.2);
        // One line per failure, no stack: the containers keep running the last task meanwhile.
        this.logger.warn(`task poll failed: ${(err as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, signal);
      }
    }
  }
}
