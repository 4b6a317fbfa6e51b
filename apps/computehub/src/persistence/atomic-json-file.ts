import { open, readFile, rename, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `<name>.json.<pid>.tmp`: what a write in progress (or one a crash cut short) leaves beside the
 * document; narrow, so that a start-up sweep never takes an operator's own `*.tmp` file.
 */
const TEMPORARY_NAME = /^.+\.json\.\d+\.tmp$/;

/**
 * A JSON document on disk that is replaced atomically: written to a temporary file, fsynced, then
 * renamed over the old one (and the folder fsynced), so a crash mid-write leaves either the old
 * or the new document, never a torn one.
 */
export class AtomicJsonFile<T> {
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Whether a file name is one of our temporary files (left by a crash if seen at start). */
  static isTemporaryName(name: string): boolean {
    return TEMPORARY_NAME.test(name);
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`state file ${this.path} is not valid JSON; move it aside to start empty`);
    }
  }

  /** Writes are serialised, so the last call's document is the one left on disk. */
  write(value: T): Promise<void> {
    const text = JSON.stringify(value);
    const next = this.writes.then(() => this.replace(text));
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async replace(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      // A half-written copy on a full disk would only keep it full.
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
