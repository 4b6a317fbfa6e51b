import type { CredentialChange, CredentialState } from './credential-records';

/**
 * Port: where join tokens, node credentials (as digests) and revoked node ids live between hub
 * restarts. Changes are written one by one, so issuing a node's credential costs the same with
 * ten nodes as with a hundred thousand.
 */
export abstract class CredentialStore {
  abstract load(): Promise<CredentialState>;
  /** Saves changes in their order; resolves once they are durable. */
  abstract write(changes: readonly CredentialChange[]): Promise<void>;
  async close(): Promise<void> {}
}
