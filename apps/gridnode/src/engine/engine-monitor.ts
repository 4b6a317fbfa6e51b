import { Logger } from '@nestjs/common';
import { BehaviorSubject, filter, Observable, skip } from 'rxjs';
import { ContainerRuntime, DockerUnreachableError, RuntimeError } from '@gridcore/docker-runtime';
import { aborted, backoffDelay, sleep } from '../shared/backoff';

/** Whether the node's Docker engine answers, and if not, why. */
export type EngineState = { up: true } | { up: false; reason: string };

/** What a worker slot needs to know of the engine: is it there, wait for it, tell of its loss. */
export interface EngineGate {
  readonly up: boolean;
  /** Why the engine is unusable, or null while it answers. */
  readonly reason: string | null;
  /** A Docker call failed as if the engine were gone: look again at once. */
  lost(err: unknown): void;
  /** Resolves true once the engine answers (at once if it does), false when `signal` aborts first. */
  whenUp(signal: AbortSignal): Promise<boolean>;
}

export interface EngineMonitorOptions {
  /** First pause between pings while the engine is away; doubled up to `maxDelayMs`. */
  baseDelayMs?: number;
  /** Cap of that backoff: how late, at most, the node notices the engine's return. */
  maxDelayMs?: number;
  random?: () => number;
}

/** An error that says the engine itself is away, as opposed to one container's or image's trouble. */
export function isEngineLoss(err: unknown): err is DockerUnreachableError {
  return err instanceof DockerUnreachableError;
}

/**
 * Follows the Docker engine: while it answers, a watch on its event stream notices the moment it
 * goes away (a SIGKILLed dockerd just closes its sockets); while it is away, a ping with capped
 * backoff notices its return. Workers and the agent read {@link state$}; the heartbeat reports
 * `Error` with the reason while the engine is away.
 */
export class EngineMonitor implements EngineGate {
  private readonly logger = new Logger('Docker');
  private readonly closed = new AbortController();
  private readonly state = new BehaviorSubject<EngineState>({ up: false, reason: 'the Docker engine has not been checked yet' });
  private watch = new AbortController();
  private loop?: Promise<void>;
  private failures = 0;
  private downSince: number | null = null;
  private loggedReason: string | null = null;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(
    private readonly runtime: ContainerRuntime,
    options: EngineMonitorOptions = {},
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.random = options.random ?? Math.random;
  }

  readonly state$: Observable<EngineState> = this.state.asObservable();

  /** Emits each time the engine answers again after having been away (not at the first check). */
  readonly returned$: Observable<EngineState> = this.state.pipe(
    skip(1),
    filter((s) => s.up),
  );

  get up(): boolean {
    return this.state.value.up;
  }

  get reason(): string | null {
    const s = this.state.value;
    return s.up ? null : s.reason;
  }

  /** Checks the engine once, then follows it in the background. Never throws. */
  async start(): Promise<void> {
    this.failures = (await this.ping()) ? 0 : 1;
    this.loop = this.run();
  }

  lost(err: unknown): void {
    if (!this.up || !isEngineLoss(err)) return;
    // The watch may not have broken yet (or ever, for a half-dead engine): let a ping decide now.
    this.watch.abort();
  }

  async whenUp(signal: AbortSignal): Promise<boolean> {
    if (this.up) return true;
    return new Promise<boolean>((resolve) => {
      const sub = this.state.subscribe((s) => {
        if (!s.up) return;
        queueMicrotask(() => sub.unsubscribe());
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
      const onAbort = () => {
        sub.unsubscribe();
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed.abort();
    this.watch.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.closed.signal;
    while (!signal.aborted) {
      if (this.up) {
        await this.watchUntilLost();
        if (signal.aborted) return;
        if (await this.ping()) {
          // A watch that broke while the engine answers (a proxy, a reload) opens again, not in a loop.
          await sleep(this.baseDelayMs, signal);
          continue;
        }
        this.failures = 1;
      }
      const delay = backoffDelay(this.failures, this.baseDelayMs, this.maxDelayMs, 0.2, this.random);
      this.report(delay);
      await sleep(delay, signal);
      if (signal.aborted) return;
      this.failures = (await this.ping()) ? 0 : this.failures + 1;
    }
  }

  private async watchUntilLost(): Promise<void> {
    this.watch = new AbortController();
    const stop = aborted(this.watch.signal);
    try {
      await Promise.race([this.runtime.engineLost(this.watch.signal), stop]);
    } catch {
      // The watch could not be opened or was closed: the ping that follows decides.
    } finally {
      this.watch.abort();
    }
  }

  /** One ping; moves the state. Returns whether the engine answered. */
  private async ping(): Promise<boolean> {
    try {
      await this.runtime.ping();
    } catch (err) {
      const reason = err instanceof RuntimeError ? err.message : String(err);
      const was = this.state.value;
      this.downSince ??= Date.now();
      if (was.up || was.reason !== reason) this.state.next({ up: false, reason });
      return false;
    }
    if (!this.up) {
      if (this.downSince !== null) this.logger.log(`the Docker engine answers again after ${((Date.now() - this.downSince) / 1000).toFixed(1)} s`);
      this.downSince = null;
      this.loggedReason = null;
      this.state.next({ up: true });
    }
    return true;
  }

  /**
   * Every try while the pause still grows, then about once a minute: a node without Docker says
   * so plainly without filling its log.
   */
  private report(delayMs: number): void {
    const reason = this.reason ?? 'unknown';
    const everyMinute = Math.max(1, Math.round(60_000 / this.maxDelayMs));
    const growing = delayMs < this.maxDelayMs * 0.8;
    if (reason === this.loggedReason && !growing && this.failures % everyMinute !== 0) return;
    this.loggedReason = reason;
    this.logger.error(`${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s`);
  }
}
