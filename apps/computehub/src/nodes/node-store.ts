import type { PersistedNode } from './node-record';

/** One change to the saved node records. */
export type NodeChange = { put: PersistedNode } | { remove: string };

/**
 * Port: where node records live between hub restarts. Records are saved one by one, so a
 * registration costs the same with ten nodes as with a hundred thousand.
 */
export abstract class NodeStore {
  /** Every saved record (an older whole-snapshot format is migrated on the way). */
  abstract load(): Promise<PersistedNode[]>;
  /**
   * Saves changes in their order; resolves once they are durable. Every write of node records
   * goes through here.
   */
  abstract write(changes: readonly NodeChange[]): Promise<void>;
  /** Lets go of open files (the hub is stopping). */
  async close(): Promise<void> {}
}
