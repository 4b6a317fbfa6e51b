import { backoffDelay } from '../shared/backoff';

/** How one container ended, as the worker saw it. */
export interface ExitReport {
  exitCode: number;
  oomKilled: boolean;
  /** How long it ran, for telling a crash loop from a long healthy run. */
  ranForMs: number;
  /** It ended while the Docker engine was away (killed by the engine's restart, or gone with it). */
  lostWithEngine?: boolean;
}

/** What to do with the slot's in-flight batches: with an attempt, or without. */
export type Recovery = 'requeue' | 'hand-back';

/**
 * A container the node stopped itself (a task switch or a stop) is no exit to decide on: the
 * worker hands its batches back and follows the task, so it never reaches the tracker.
 */
export type RestartDecision =
  /** Exit 0 on a queue the node can see: wait until input or retry has items, then start. */
  | { action: 'wait-for-items'; recovery: Recovery; reason: string }
  /** Start again after `delayMs` (a task change interrupts the wait). */
  | { action: 'restart'; delayMs: number; recovery: Recovery; reason: string };

/** An image that could not be made present, or a container that could not be created or started. */
export interface StartFailure {
  /** Whether trying again soon can help (a timeout: yes; an image that does not exist: no). */
  recoverable: boolean;
}

/** When to try the start again (a task change interrupts the wait). */
export interface RetryStartDecision {
  delayMs: number;
  reason: string;
}

export interface RestartPolicy {
  /** First backoff after a failure; doubled for each failure in a row. */
  baseDelayMs: number;
  /** Cap of the backoff (SPEC §3: 60 s). */
  maxDelayMs: number;
  /** ± fraction of the delay chosen at random. */
  jitter: number;
  /** A container that ran this long before failing starts a new failure series. */
  stableAfterMs: number;
  /** Restart delay after exit 0 when the node cannot see the task's queue (SPEC §2.1: 30 s). */
  invisibleQueueDelayMs: number;
  /** First pause after a recoverable start failure; doubled for each in a row, up to `maxDelayMs`. */
  startBaseDelayMs: number;
  /** Pause after a start failure that will not heal by itself soon (a missing image): still look again. */
  unrecoverableStartDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: 0.2,
  stableAfterMs: 60_000,
  invisibleQueueDelayMs: 30_000,
  startBaseDelayMs: 2_000,
  unrecoverableStartDelayMs: 60_000,
};

/**
 * The restart policy of one worker slot as a pure decision object (after Nomad's
 * RestartTracker): feed it each exit and each failed start, it answers what to do next. No
 * Docker, no clock, no I/O; randomness is injected so tests are exact. Failed starts form their
 * own series, which any container that started (and so later exits) ends.
 */
export class RestartTracker {
  private failures = 0;
  private startFailures = 0;

  constructor(
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failures in a row so far (0 after a clean exit, a long run or a task change). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Failed starts in a row so far (0 once a container started, or after a task change). */
  get consecutiveStartFailures(): number {
    return this.startFailures;
  }

  onStartFailure(failure: StartFailure): RetryStartDecision {
    this.startFailures++;
    if (!failure.recoverable) {
      // A missing image will not appear by itself soon: wait longer, but still look again.
      const delayMs = this.policy.unrecoverableStartDelayMs;
      return { delayMs, reason: `start failed ${this.startFailures} in a row; it will not heal by itself soon, looking again in ${delayMs / 1000} s` };
    }
    const delayMs = backoffDelay(this.startFailures, this.policy.startBaseDelayMs, this.policy.maxDelayMs, this.policy.jitter, this.random);
    return { delayMs, reason: `start failed ${this.startFailures} in a row; trying again after the backoff` };
  }

  onExit(exit: ExitReport, ctx: { queueVisible: boolean }): RestartDecision {
    this.startFailures = 0;
    if (exit.lostWithEngine) {
      // Not the container's failure: no backoff, no failure counted. Its batches still get an
      // attempt, as an orphan's do, so an item that takes the engine down cannot loop forever.
      return { action: 'restart', delayMs: 0, recovery: 'requeue', reason: 'ended while the Docker engine was away; starting again at once' };
    }
    if (exit.exitCode === 0 && !exit.oomKilled) {
      this.failures = 0;
      // The worker said "queue empty": anything it still held was its own to lose, so any batch
      // left under its slot is requeued with an attempt like every exit the node did not cause.
      if (ctx.queueVisible) return { action: 'wait-for-items', recovery: 'requeue', reason: 'exited 0: waiting for items' };
      return {
        action: 'restart',
        delayMs: this.policy.invisibleQueueDelayMs,
        recovery: 'requeue',
        reason: 'exited 0; the queue is not visible to the node, restarting after a pause',
      };
    }
    if (exit.ranForMs >= this.policy.stableAfterMs) this.failures = 0;
    this.failures++;
    const delayMs = backoffDelay(this.failures, this.policy.baseDelayMs, this.policy.maxDelayMs, this.policy.jitter, this.random);
    const why = exit.oomKilled ? 'killed by the OOM killer' : `exited with code ${exit.exitCode}`;
    return { action: 'restart', delayMs, recovery: 'requeue', reason: `${why}; restart ${this.failures} in a row` };
  }

  /** A task change: the next task starts with a clean slate. */
  reset(): void {
    this.failures = 0;
    this.startFailures = 0;
  }
}
