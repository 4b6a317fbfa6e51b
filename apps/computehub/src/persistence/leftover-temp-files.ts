import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HubConfig } from '../config/hub-config';
import { AtomicJsonFile } from './atomic-json-file';

/**
 * At start, removes the temporary files a crash mid-write left in state_dir (`tasks.json.666.tmp`):
 * the documents beside them are whole (writes are renamed into place), and the leftovers would
 * otherwise pile up with every crash. Runs before this process writes anything.
 */
@Injectable()
export class LeftoverTempFiles implements OnModuleInit {
  private readonly logger = new Logger('StateDir');

  constructor(private readonly config: HubConfig) {}

  async onModuleInit(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.config.stateDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names.filter((n) => AtomicJsonFile.isTemporaryName(n))) {
      const path = join(this.config.stateDir, name);
      try {
        await unlink(path);
        this.logger.log(`removed temporary state file ${path} (left by an interrupted write)`);
      } catch (err) {
        this.logger.warn(`could not remove temporary state file ${path}: ${(err as Error).message}`);
      }
    }
  }
}
