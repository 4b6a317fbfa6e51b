import { Injectable, Logger } from '@nestjs/common';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { JsonLinesLog } from '../persistence/json-lines-log';
import { fileStateTarget, StateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import { CredentialChange, CredentialMaps, CredentialState } from './credential-records';
import { CredentialStore } from './credential-store';

/** The log is compacted when it holds this many lines more than twice the live records. */
const COMPACT_SLACK_LINES = 10_000;

interface PendingWrite {
  changes: readonly CredentialChange[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * `state_dir/credentials.log` (mode 0600): one JSON line per change, fsynced per group of
 * concurrent writes, compacted to the live records once it is mostly history.
 */
@Injectable()
export class FileCredentialStore extends CredentialStore {
  private readonly logger = new Logger('CredentialStore');
  private readonly log: JsonLinesLog;
  private readonly target: StateTarget;
  private readonly maps = new CredentialMaps();
  private lineCount = 0;
  private queue: PendingWrite[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    config: HubConfig,
    private readonly writes: StateWriteHealth,
  ) {
    super();
    this.log = new JsonLinesLog(join(config.stateDir, 'credentials.log'));
    this.target = fileStateTarget(this.log.path);
  }

  async load(): Promise<CredentialState> {
    const report = await this.log.replay(({ value }) => this.maps.apply(value as CredentialChange));
    if (report) {
      this.lineCount = report.lines;
      if (report.tornBytes > 0) this.logger.warn(`${this.log.path}: cut an unfinished last line (${report.tornBytes} bytes) left by a crash`);
      if (report.badLines.length > 0) this.logger.warn(`${this.log.path}: left out line(s) ${report.badLines.slice(0, 10).join(', ')} holding no valid JSON`);
    }
    return this.maps.state();
  }

  write(changes: readonly CredentialChange[]): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ changes, resolve, reject });
      this.flushing ??= this.flush();
    });
    return this.writes.track(this.target, written);
  }

  override async close(): Promise<void> {
    await this.flushing;
    await this.log.close();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const changes = batch.flatMap((w) => w.changes);
        await this.log.append(changes);
        for (const change of changes) this.maps.apply(change);
        this.lineCount += changes.length;
        if (this.lineCount > 2 * this.maps.size + COMPACT_SLACK_LINES) this.lineCount = await this.log.replaceWith(this.maps.changes());
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err as Error);
      }
    }
    this.flushing = null;
  }
}
