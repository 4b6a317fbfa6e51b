import { backoffDelay } from './backoff';

/** How one container ended, as the worker saw it. */
export interface ExitReport {
  exitCode: number;
  oomKilled: boolean;
  /** The node stopped it itself (a task switch or a stop, SIGKILL after the grace included). */
  stoppedByNode: boolean;
  /** How long it ran, for telling a crash loop from a long healthy run. */
  ranForMs: number;
  /** It ended while the Docker engine was away (killed by the engine's restart, or gone with it). */
  lostWithEngine?: boolean;
}

/** What to do with the slot's in-flight batches: with an attempt, or without. */
export type Recovery = 'requeue' | 'hand-back';

export type RestartDecision =
  /** The node stopped it: hand back, start nothing here (the worker follows the task). */
  | { action: 'none'; recovery: 'hand-back'; reason: string }
  /** Exit 0 on a queue the node can see: wait until input or retry has items, then start. */
  | { action: 'wait-for-items'; recovery: Recovery; reason: string }
  /** Start again after `delayMs` (a task change interrupts the wait). */
  | { action: 'restart'; delayMs: number; recovery: Recovery; reason: string };

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
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: 0.2,
  stableAfterMs: 60_000,
  invisibleQueueDelayMs: 30_000,
};

/**
 * The restart policy of one worker slot as a pure decision object (after Nomad's
 * RestartTracker): feed it each exit, it answers what to do next. No Docker, no clock, no I/O;
 * randomness is injected so tests are exact.
 */
export class RestartTracker {
  private failures = 0;

  constructor(
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failures in a row so far (0 after a clean exit, a long run or a task change). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  onExit(exit: ExitReport, ctx: { queueVisible: boolean }): RestartDecision {
    if (exit.stoppedByNode) {
      return { action: 'none', recovery: 'hand-back', reason: 'stopped by the node' };
    }
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
  }
}
