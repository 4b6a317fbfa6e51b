/** Task defaults (SPEC §2.1, §4). */
export const TASK_DEFAULTS = {
  cpus: 1,
  gpus: 0,
  max_attempts: 3,
  batch_timeout_s: 600,
} as const;

/** Body size the hub accepts on any route; larger bodies get 413. */
export const MAX_BODY_BYTES = 256 * 1024;

/** A long-poll never waits longer than this, whatever the node asks. */
export const MAX_TASK_WAIT_S = 60;
