import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PushMark } from '@gridcore/operator';
import { configDir } from './profiles';

/**
 * The last push gridctl made to each task of each cluster, in Redis time, kept under
 * `<config dir>/state/<cluster>/<task>.last-push.json` so a `gridctl watch` in another terminal
 * (or started later) does not trust a progress sample taken before those items arrived. Only
 * pushes through gridctl on this machine and user are known; `watch` still never trusts a sample
 * older than its own start.
 */
export class PushLog {
  constructor(private readonly dir = join(configDir(), 'state')) {}

  private path(cluster: string, task: string): string {
    return join(this.dir, encodeURIComponent(cluster), `${encodeURIComponent(task)}.last-push.json`);
  }

  /** The last push to that task, or null (none known, or the file is unreadable: not worth failing a watch). */
  read(cluster: string, task: string): PushMark | null {
    try {
      const mark = JSON.parse(readFileSync(this.path(cluster, task), 'utf8')) as PushMark;
      if (typeof mark.startedMs !== 'number' || typeof mark.pid !== 'number') return null;
      return { startedMs: mark.startedMs, finishedMs: typeof mark.finishedMs === 'number' ? mark.finishedMs : null, pid: mark.pid };
    } catch {
      return null;
    }
  }

  write(cluster: string, task: string, mark: PushMark): void {
    const path = this.path(cluster, task);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(mark)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  }
}
