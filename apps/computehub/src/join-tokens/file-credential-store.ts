import { Injectable, Logger } from '@nestjs/common';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { GroupCommittedLog } from '../persistence/group-committed-log';
import { StateWriteHealth } from '../persistence/state-write-health';
import { CredentialChange, CredentialMaps, CredentialState } from './credential-records';
import { CredentialStore } from './credential-store';

/** The log is compacted when it holds this many lines more than twice the live records. */
const COMPACT_SLACK_LINES = 10_000;

/**
 * `state_dir/credentials.log` (mode 0600): one JSON line per change, fsynced per group of
 * concurrent writes, compacted to the live records once it is mostly history.
 */
@Injectable()
export class FileCredentialStore extends CredentialStore {
  private readonly file: GroupCommittedLog<CredentialChange>;
  private readonly maps = new CredentialMaps();
  private lineCount = 0;

  constructor(config: HubConfig, writes: StateWriteHealth) {
    super();
    const logger = new Logger('CredentialStore');
    this.file = new GroupCommittedLog(join(config.stateDir, 'credentials.log'), writes, logger, (changes) => this.commit(changes));
  }

  async load(): Promise<CredentialState> {
    const report = await this.file.replay(({ value }) => this.maps.apply(value as CredentialChange));
    if (report) this.lineCount = report.lines;
    return this.maps.state();
  }

  write(changes: readonly CredentialChange[]): Promise<void> {
    return this.file.write(changes);
  }

  override async close(): Promise<void> {
    await this.file.close();
  }

  private async commit(changes: CredentialChange[]): Promise<void> {
    await this.file.log.append(changes);
    for (const change of changes) this.maps.apply(change);
    this.lineCount += changes.length;
    if (this.lineCount > 2 * this.maps.size + COMPACT_SLACK_LINES) this.lineCount = await this.file.log.replaceWith(this.maps.changes());
  }
}
