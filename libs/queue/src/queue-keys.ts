import { crc16 } from './crc16';
import { InvalidQueueNameError } from './errors/invalid-queue-name.error';

/** Number of hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

/**
 * The hash tag Redis Cluster would use for `key`: the text between the first `{` and the first
 * `}` after it, when that text is not empty; otherwise null (the whole key is hashed).
 */
export function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return null;
  return key.slice(open + 1, close);
}

/** The cluster slot of `key`, as `CLUSTER KEYSLOT` computes it. */
export function keySlot(key: string): number {
  return crc16(hashTag(key) ?? key) % CLUSTER_SLOTS;
}

/**
 * The key prefix P of input queue Q (SPEC §4 tag rule): Q itself when Q is tagged, else `{Q}`.
 * An untagged Q that holds a brace is refused: its braces would move keys out of Q's slot.
 */
export function queuePrefix(queue: string): string {
  if (typeof queue !== 'string' || queue.length === 0) {
    throw new InvalidQueueNameError(String(queue), 'the queue name is empty');
  }
  if (hashTag(queue) !== null) return queue;
  if (queue.includes('{') || queue.includes('}')) {
    throw new InvalidQueueNameError(queue, 'it has a brace but no hash tag ({tag} with at least one character)');
  }
  return `{${queue}}`;
}

const SLOT_PART = /^[A-Za-z0-9._-]{1,128}$/;

/** Checks a node id, run id or instance for use inside a batch key. */
export function assertSlotPart(what: string, value: string): void {
  if (!SLOT_PART.test(value)) {
    throw new InvalidQueueNameError(value, `${what} must match [A-Za-z0-9._-]{1,128}`);
  }
}

/** Identifies a worker slot: node, instance, run id and lane. */
export interface WorkerSlot {
  nodeId: string;
  instance: string | number;
  runId: string;
  lane: number;
}

/**
 * Every key of one input queue is built here (SPEC §4 key table); nothing else concatenates
 * queue keys.
 */
export class QueueKeys {
  readonly prefix: string;
  readonly input: string;
  readonly seq: string;
  readonly leases: string;
  readonly taken: string;
  readonly retry: string;
  readonly attempts: string;
  readonly dead: string;
  readonly stats: string;
  readonly config: string;
  /** Item -> why its last attempt failed (issue 19): a JSON record, see failure-cause.ts. */
  readonly causes: string;
  /** Every batch key starts with this. */
  readonly batchPrefix: string;
  readonly slot: number;

  constructor(queue: string) {
    this.prefix = queuePrefix(queue);
    this.input = queue;
    this.seq = `${this.prefix}:seq`;
    this.leases = `${this.prefix}:leases`;
    this.taken = `${this.prefix}:taken`;
    this.retry = `${this.prefix}:retry`;
    this.attempts = `${this.prefix}:attempts`;
    this.dead = `${this.prefix}:dead`;
    this.stats = `${this.prefix}:stats`;
    this.config = `${this.prefix}:config`;
    this.causes = `${this.prefix}:causes`;
    this.batchPrefix = `${this.prefix}:batch:`;
    this.slot = keySlot(queue);
  }

  /** Every fixed `P:*` key (batch keys are found by {@link batchPattern}); the input Q is not one. */
  protocolKeys(): string[] {
    return [this.seq, this.leases, this.taken, this.retry, this.attempts, this.dead, this.stats, this.config, this.causes];
  }

  /** `P:batch:<node>:<instance>:` or, with a run id, `P:batch:<node>:<instance>:<run>:`. */
  slotPrefix(nodeId: string, instance: string | number, runId?: string): string {
    assertSlotPart('node id', nodeId);
    assertSlotPart('instance', String(instance));
    if (runId === undefined) return `${this.batchPrefix}${nodeId}:${instance}:`;
    assertSlotPart('run id', runId);
    return `${this.batchPrefix}${nodeId}:${instance}:${runId}:`;
  }

  /** `P:batch:<node>:`: every batch of one node, whichever instance and run (a revoked node's). */
  nodePrefix(nodeId: string): string {
    assertSlotPart('node id', nodeId);
    return `${this.batchPrefix}${nodeId}:`;
  }

  /** `P:batch:<node>:<instance>:<run>:<lane>:` — take appends the sequence number. */
  lanePrefix(slot: WorkerSlot): string {
    return `${this.slotPrefix(slot.nodeId, slot.instance, slot.runId)}${slot.lane}:`;
  }

  /** True when `key` is a batch key of this queue. */
  isBatchKey(key: string): boolean {
    return key.startsWith(this.batchPrefix);
  }

  /** A SCAN MATCH pattern for every batch key of this queue (glob characters of P escaped). */
  batchPattern(): string {
    return `${this.batchPrefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  }
}
