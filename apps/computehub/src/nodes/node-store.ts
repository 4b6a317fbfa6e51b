import type { PersistedNode } from './node-record';

/** Port: where node records live between hub restarts (whole snapshots). */
export abstract class NodeStore {
  abstract load(): Promise<PersistedNode[] | null>;
  abstract save(nodes: PersistedNode[]): Promise<void>;
}
