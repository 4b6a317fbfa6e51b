/** Task defaults (SPEC §2.1, §4). */
export const TASK_DEFAULTS = {
  cpus: 1,
  gpus: 0,
  max_attempts: 3,
  batch_timeout_s: 600,
} as const;

/** Body size the hub accepts on any route; larger bodies get 413. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Body size of the node protocol (register, heartbeat, deregister): a node record is kept in
 * memory and on disk for every node, so one node cannot make it large.
 */
export const NODE_REPORT_MAX_BYTES = 16 * 1024;
/** A node's answer to a log request: the kept output of its containers (the node keeps it under 900 KiB of text). */
export const LOG_ANSWER_MAX_BYTES = 1024 * 1024;

/** Caps on what one node record holds (SPEC §2.6). */
export const NODE_RECORD_LIMITS = {
  instances: 256,
  gpus: 64,
  labels: 64,
  string_length: 256,
} as const;

/** `GET /api/nodes?limit=N`: the largest page. */
export const NODE_PAGE_MAX = 1000;

/** A long-poll never waits longer than this, whatever the node asks. */
export const MAX_TASK_WAIT_S = 60;
