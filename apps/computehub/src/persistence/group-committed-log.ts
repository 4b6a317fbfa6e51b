import { Logger } from '@nestjs/common';
import { JsonLinesLog, LogLine, ReplayReport } from './json-lines-log';
import { fileStateTarget, StateTarget } from './state-target';
import { StateWriteHealth } from './state-write-health';

interface PendingWrite<C> {
  changes: readonly C[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A store's JSON-lines file of changes with group commit: every write that arrives while one is
 * on disk goes out in the next `commit`, and each caller's promise settles with its group's.
 * Writes are tracked in {@link StateWriteHealth}; replay damage (a torn last line, lines without
 * JSON) is logged by the store's logger. What one group's commit does (append, update the
 * store's index, compact) is the store's own.
 */
export class GroupCommittedLog<C> {
  readonly log: JsonLinesLog;
  private readonly target: StateTarget;
  private queue: PendingWrite<C>[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    path: string,
    private readonly writes: StateWriteHealth,
    private readonly logger: Logger,
    private readonly commit: (changes: C[]) => Promise<void>,
  ) {
    this.log = new JsonLinesLog(path);
    this.target = fileStateTarget(path);
  }

  get path(): string {
    return this.log.path;
  }

  /** Replays the file (null when there is none), warning about what it had to cut or leave out. */
  async replay(onLine: (line: LogLine) => void): Promise<ReplayReport | null> {
    const report = await this.log.replay(onLine);
    if (report && report.tornBytes > 0) {
      this.logger.warn(`${this.path}: cut an unfinished last line (${report.tornBytes} bytes) left by a crash`);
    }
    if (report && report.badLines.length > 0) {
      this.logger.warn(`${this.path}: left out line(s) ${report.badLines.slice(0, 10).join(', ')} holding no valid JSON`);
    }
    return report;
  }

  write(changes: readonly C[]): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ changes, resolve, reject });
      this.flushing ??= this.flush();
    });
    return this.writes.track(this.target, written);
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.log.close();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.commit(batch.flatMap((w) => w.changes));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err as Error);
      }
    }
    this.flushing = null;
  }
}
