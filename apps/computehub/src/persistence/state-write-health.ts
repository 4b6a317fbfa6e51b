import { Injectable, Logger } from '@nestjs/common';

/**
 * The outcome of the hub's latest write to each state target (`tasks.json`, the state Redis key
 * of nodes, ...). Every state write reports here; readiness is down while any target's latest
 * write failed, so a hub that cannot persist stops taking traffic until a write succeeds again.
 */
@Injectable()
export class StateWriteHealth {
  private readonly logger = new Logger('StateWrites');
  private readonly failing = new Map<string, string>();

  /** Runs `write` and records its outcome for `target` (`where` names the medium: `state_dir`). */
  async track<T>(where: string, target: string, write: Promise<T>): Promise<T> {
    try {
      const result = await write;
      this.succeeded(target);
      return result;
    } catch (err) {
      this.failed(where, target, err as Error);
      throw err;
    }
  }

  /** One reason per failing target, e.g. `state_dir writes fail: ENOSPC: no space left on device, write (tasks.json)`. */
  problems(): string[] {
    return [...this.failing.values()];
  }

  private succeeded(target: string): void {
    if (this.failing.delete(target)) this.logger.log(`${target}: state writes succeed again`);
  }

  private failed(where: string, target: string, err: Error): void {
    const reason = `${where} writes fail: ${withoutPaths(err.message)} (${target})`;
    if (this.failing.get(target) !== reason) this.logger.warn(`not ready: ${reason}`);
    this.failing.set(target, reason);
  }
}

/** Node's fs errors end with the path (`..., open '/var/lib/...'`); readiness is open to anyone. */
function withoutPaths(message: string): string {
  return message.split('\n')[0].replace(/\s*'\/[^']*'/g, '').trim();
}
