import { Injectable } from '@nestjs/common';
import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { AtomicJsonFile } from '../persistence/atomic-json-file';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { TaskState } from './task-record';
import { TaskStore } from './task-store';

@Injectable()
export class FileTaskStore extends TaskStore {
  private readonly file: AtomicJsonFile<TaskState>;

  constructor(
    private readonly config: HubConfig,
    private readonly writes: StateWriteHealth,
  ) {
    super();
    this.file = new AtomicJsonFile(join(config.stateDir, 'tasks.json'));
  }

  load(): Promise<TaskState | null> {
    return this.file.read();
  }

  save(state: TaskState): Promise<void> {
    return this.writes.track('state_dir', 'tasks.json', this.file.write(state));
  }

  async ping(): Promise<void> {
    await mkdir(this.config.stateDir, { recursive: true });
    await access(this.config.stateDir, constants.W_OK);
  }
}
