import { Injectable, Logger } from '@nestjs/common';
import type { StateTarget } from './state-target';

/** An open route can ask for readiness at any rate; probing writes at most this often. */
const PROBE_INTERVAL_MS = 5_000;

interface Failure {
  target: StateTarget;
  reason: string;
}

/**
 * The outcome of the hub's latest write to each state target (`tasks.json`, the state Redis key
 * of nodes, ...). Every state write reports here; readiness is down while any target's latest
 * write failed, so a hub that cannot persist stops taking traffic until a write succeeds again.
 * An unready hub may get no traffic that would write, so readiness probes a failing target too.
 */
@Injectable()
export class StateWriteHealth {
  private readonly logger = new Logger('StateWrites');
  private readonly failing = new Map<string, Failure>();
  private lastProbeMs = 0;

  /** Runs `write` and records its outcome for `target`. */
  async track<T>(target: StateTarget, write: Promise<T>): Promise<T> {
    try {
      const result = await write;
      this.succeeded(target);
      return result;
    } catch (err) {
      this.failed(target, err as Error);
      throw err;
    }
  }

  /** One reason per failing target, e.g. `state_dir writes fail: ENOSPC: no space left on device, write (tasks.json)`. */
  problems(): string[] {
    return [...this.failing.values()].map((f) => f.reason);
  }

  /**
   * Tries a write as large as each failing target's document (not more often than every 5 s):
   * one that succeeds clears the failure; one that fails updates the reason.
   */
  async probeFailing(now = Date.now()): Promise<void> {
    if (this.failing.size === 0 || now - this.lastProbeMs < PROBE_INTERVAL_MS) return;
    this.lastProbeMs = now;
    await Promise.all([...this.failing.values()].map(({ target }) => this.track(target, target.probe()).catch(() => undefined)));
  }

  private succeeded(target: StateTarget): void {
    if (this.failing.delete(key(target))) this.logger.log(`${target.where} writes succeed again (${target.name})`);
  }

  private failed(target: StateTarget, err: Error): void {
    const reason = `${target.where} writes fail: ${withoutPaths(err.message)} (${target.name})`;
    if (this.failing.get(key(target))?.reason !== reason) this.logger.warn(`not ready: ${reason}`);
    this.failing.set(key(target), { target, reason });
  }
}

function key(target: StateTarget): string {
  return `${target.where}\u0000${target.name}`;
}

/** Node's fs errors end with the path (`..., open '/var/lib/...'`); readiness is open to anyone. */
function withoutPaths(message: string): string {
  return message.split('\n')[0].replace(/\s*'\/[^']*'/g, '').trim();
}
