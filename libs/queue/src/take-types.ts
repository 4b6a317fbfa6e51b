/** What a take sends and gets back (take-10 per batch, take-group per batch of its group). */

export interface TakeRequest {
  /** The lane's previous batch, acked in the same round trip. */
  ack?: { batchKey: string; results: string[] } | { batchKey: string; count: number };
  /** `P:batch:<node>:<instance>:<run>:<lane>:` (QueueKeys.lanePrefix); omit to ack and heal only. */
  lanePrefix?: string;
  nodeId: string;
  size?: number;
  /** Take one item from retry when it has any (isolation). */
  fromRetry?: boolean;
  /** Block time of the waiting path, in ms (a waiting key is leased for it + lease_s). */
  blockMs?: number;
}

export type AckOutcome = 'acked' | 'gone' | 'none';

export interface TakeReply {
  ack: AckOutcome;
  batchKey: string;
  items: string[];
  retryLength: number;
  leaseMs: number;
  source: 'input' | 'retry' | 'wait' | 'none';
  healed: number;
}
