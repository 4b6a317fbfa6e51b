import { Injectable, Logger } from '@nestjs/common';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { AtomicJsonFile } from '../persistence/atomic-json-file';
import { GroupCommittedLog } from '../persistence/group-committed-log';
import { JsonLinesLog } from '../persistence/json-lines-log';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { PersistedNode } from './node-record';
import { NodeChange, NodeStore } from './node-store';

/** The log is compacted when it holds this many lines more than twice the live records. */
const COMPACT_SLACK_LINES = 10_000;

/**
 * Node records in `state_dir/nodes.log`: one JSON line per change (`{"put": record}` or
 * `{"remove": id}`), fsynced per group of concurrent writes, compacted to one line per live record
 * once the log is more than twice that. A `nodes.json` of older versions (one array) is read once
 * and turned into the log.
 */
@Injectable()
export class FileNodeStore extends NodeStore {
  private readonly logger = new Logger('NodeStore');
  private readonly file: GroupCommittedLog<NodeChange>;
  private readonly log: JsonLinesLog;
  private readonly legacyPath: string;
  /** The line holding each live record's latest version: what compaction keeps. */
  private readonly latestLine = new Map<string, number>();
  private lineCount = 0;

  constructor(config: HubConfig, writes: StateWriteHealth) {
    super();
    this.file = new GroupCommittedLog(join(config.stateDir, 'nodes.log'), writes, this.logger, (changes) => this.append(changes));
    this.log = this.file.log;
    this.legacyPath = join(config.stateDir, 'nodes.json');
  }

  async load(): Promise<PersistedNode[]> {
    const records = new Map<string, PersistedNode>();
    const report = await this.file.replay(({ value, lineNo }) => {
      const change = value as NodeChange;
      if ('put' in change) {
        records.set(change.put.id, change.put);
        this.latestLine.set(change.put.id, lineNo);
      } else {
        records.delete(change.remove);
        this.latestLine.delete(change.remove);
      }
    });
    if (report === null) return this.migrateLegacy();
    this.lineCount = report.lines;
    return [...records.values()];
  }

  /** Group commit: every write that arrived while one was on disk goes out in the next append. */
  write(changes: readonly NodeChange[]): Promise<void> {
    return this.file.write(changes);
  }

  override async close(): Promise<void> {
    await this.file.close();
  }

  private async append(changes: NodeChange[]): Promise<void> {
    await this.log.append(changes);
    for (const change of changes) {
      if ('put' in change) this.latestLine.set(change.put.id, this.lineCount);
      else this.latestLine.delete(change.remove);
      this.lineCount += 1;
    }
    if (this.lineCount > 2 * this.latestLine.size + COMPACT_SLACK_LINES) await this.compact();
  }

  private async compact(): Promise<void> {
    const before = this.lineCount;
    const kept = new Map<string, number>();
    const latest = this.latestLine;
    const log = this.log;
    async function* live(): AsyncGenerator<NodeChange> {
      for await (const { value, lineNo } of log.lines()) {
        const change = value as NodeChange;
        if ('put' in change && latest.get(change.put.id) === lineNo) {
          kept.set(change.put.id, kept.size);
          yield change;
        }
      }
    }
    this.lineCount = await this.log.replaceWith(live());
    this.latestLine.clear();
    for (const [id, line] of kept) this.latestLine.set(id, line);
    this.logger.log(`compacted ${this.log.path}: ${before} lines to ${this.lineCount}`);
  }

  private async migrateLegacy(): Promise<PersistedNode[]> {
    const legacy = await new AtomicJsonFile<PersistedNode[]>(this.legacyPath).read();
    if (legacy === null) return [];
    const records = new Map(legacy.map((node) => [node.id, node]));
    this.lineCount = await this.log.replaceWith([...records.values()].map((put) => ({ put })));
    let line = 0;
    for (const id of records.keys()) this.latestLine.set(id, line++);
    await rename(this.legacyPath, `${this.legacyPath}.migrated`);
    this.logger.log(`moved ${records.size} node records from ${this.legacyPath} to ${this.log.path} (the old file is now nodes.json.migrated)`);
    return [...records.values()];
  }
}
