import { Injectable } from '@nestjs/common';
import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { AtomicJsonFile } from '../persistence/atomic-json-file';
import { fileStateTarget, StateTarget } from '../persistence/state-target';
import { StateWriteHealth } from '../persistence/state-write-health';
import type { TaskState } from './task-record';
import { TaskStore } from './task-store';

@Injectable()
export class FileTaskStore extends TaskStore {
  private readonly file: AtomicJsonFile<TaskState>;
  private readonly target: StateTarget;

  constructor(
    private readonly config: HubConfig,
    private readonly writes: StateWriteHealth,
  ) {
    super();
    this.file = new AtomicJsonFile(join(config.stateDir, 'tasks.json'));
    this.target = fileStateTarget(this.file.path);
  }

  load(): Promise<TaskState | null> {
    return this.file.read();
  }

  save(state: TaskState): Promise<void> {
    return this.writes.track(this.target, this.file.write(state));
  }

  async ping(): Promise<void> {
    await mkdir(this.config.stateDir, { recursive: true });
    await access(this.config.stateDir, constants.W_OK);
  }
}
