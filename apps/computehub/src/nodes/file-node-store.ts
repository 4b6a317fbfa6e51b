import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { AtomicJsonFile } from '../persistence/atomic-json-file';
import { fileStateTarget, StateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { PersistedNode } from './node-record';
import { NodeStore } from './node-store';

@Injectable()
export class FileNodeStore extends NodeStore {
  private readonly file: AtomicJsonFile<PersistedNode[]>;
  private readonly target: StateTarget;

  constructor(
    config: HubConfig,
    private readonly writes: StateWriteHealth,
  ) {
    super();
    this.file = new AtomicJsonFile(join(config.stateDir, 'nodes.json'));
    this.target = fileStateTarget(this.file.path);
  }

  load(): Promise<PersistedNode[] | null> {
    return this.file.read();
  }

  save(nodes: PersistedNode[]): Promise<void> {
    return this.writes.track(this.target, this.file.write(nodes));
  }
}
