import { QueueError } from './queue-error';

/**
 * Redis does not know a protocol script and this connection may not load it (a user scoped to
 * one task has EVALSHA but neither EVAL nor SCRIPT): the hub loads the scripts on every node of
 * the task's Redis each cleanup tick, so trying again later succeeds.
 */
export class ScriptNotLoadedError extends QueueError {
  readonly code = 'QUEUE_SCRIPT_NOT_LOADED';
  override readonly recoverable = true;

  constructor(readonly script: string, waitedMs: number) {
    super(`redis does not know the ${script} script and this user may not load it (waited ${Math.round(waitedMs / 1000)}s for the hub to load it)`);
  }
}
