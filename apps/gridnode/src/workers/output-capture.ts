import { Logger } from '@nestjs/common';
import type { ContainerRuntime } from '@gridcore/docker-runtime';
import type { ContainerLogEntry } from '../logs/container-log-book';

/** How long a slot waits, after its container exited, for the rest of its output before removing it. */
export const OUTPUT_DRAIN_MS = 2_000;

/**
 * Follows one container's stdout and stderr into its log entry from the moment it starts, so a
 * crash's last words (a Python traceback) are kept after the container is removed.
 */
export class OutputCapture {
  private readonly stream: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    runtime: ContainerRuntime,
    private readonly entry: ContainerLogEntry,
    logger: Logger,
  ) {
    this.stream = runtime
      .followOutput(entry.containerId, (chunk) => entry.append(chunk), this.abort.signal)
      .catch((err: Error) => logger.warn(`cannot follow the output of ${entry.containerId.slice(0, 12)}: ${err.message}`));
  }

  /** The container ended (code null: stopped by the node): waits a moment for its last output. */
  async ended(exitCode: number | null): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.stream, new Promise<void>((r) => (timer = setTimeout(r, OUTPUT_DRAIN_MS)))]);
    clearTimeout(timer);
    this.abort.abort();
    this.entry.exited(exitCode);
  }
}
