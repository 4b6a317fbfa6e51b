/** SPEC §4 defaults; P:config (written by the hub) wins, then a standalone worker's env. */
export const QUEUE_DEFAULTS = Object.freeze({
  leaseS: 60,
  batchTimeoutS: 600,
  maxAttempts: 3,
  batchSize: 100,
  maxBatchSize: 1000,
  blockS: 5,
  idleExitS: 30,
  /** take heals at most this many expired leases per call. */
  healPerTake: 10,
});

export interface QueueConfig {
  leaseS: number;
  batchTimeoutS: number;
  maxAttempts: number;
}
