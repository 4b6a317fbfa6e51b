import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_ID_PATTERN } from '@gridcore/contracts/names';

/**
 * The node's id across restarts (SPEC §3): a `node_id` the user fixed in the config wins; else
 * the id saved in `state_dir/node_id`; else none until the hub assigns one, which is saved.
 */
export class NodeIdentity {
  private current: string | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly fixedId: string | null,
  ) {}

  get file(): string {
    return join(this.stateDir, 'node_id');
  }

  /** The id to register with (null: ask the hub for one). */
  async load(): Promise<string | null> {
    if (this.fixedId) return (this.current = this.fixedId);
    try {
      const saved = (await readFile(this.file, 'utf8')).trim();
      if (NODE_ID_PATTERN.test(saved)) return (this.current = saved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return null;
  }

  get id(): string | null {
    return this.current;
  }

  /** Keeps the id the hub answered; written atomically so a crash never leaves half an id. */
  async save(id: string): Promise<void> {
    this.current = id;
    await mkdir(this.stateDir, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${id}\n`);
    await rename(tmp, this.file);
  }
}
