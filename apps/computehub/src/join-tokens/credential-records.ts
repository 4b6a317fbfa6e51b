/** A join token as stored: its digest, never the token. */
export interface JoinTokenRecord {
  id: string;
  label: string;
  /** Lowercase hex SHA-256 of the whole token string. */
  digest: string;
  max_nodes: number | null;
  expires_at: string | null;
  created_at: string | null;
  revoked_at: string | null;
  source: 'api' | 'config';
}

/** The secret a node got when it registered with a join token, bound to its id. */
export interface NodeCredentialRecord {
  token_id: string;
  node_id: string;
  /** Lowercase hex SHA-256 of the whole `gcn_<token_id>_<secret>` string (the data gateway reads it). */
  digest: string;
  /** The join token it registered with (null: it had none, e.g. a credential issued before). */
  join_token_id: string | null;
  issued_at: string;
}

/** A node id the operator revoked: it never registers again. */
export interface RevokedNodeRecord {
  node_id: string;
  revoked_at: string;
  join_token_id: string | null;
  joined_at: string | null;
}

/** One change to the stored credentials, applied in order. */
export type CredentialChange =
  | { join_token: JoinTokenRecord }
  | { credential: NodeCredentialRecord }
  | { drop_credential: string }
  | { revoked_node: RevokedNodeRecord };

export interface CredentialState {
  joinTokens: JoinTokenRecord[];
  credentials: NodeCredentialRecord[];
  revokedNodes: RevokedNodeRecord[];
}

/** Folds changes into maps (by join token id, credential token id, node id). */
export class CredentialMaps {
  readonly joinTokens = new Map<string, JoinTokenRecord>();
  readonly credentials = new Map<string, NodeCredentialRecord>();
  readonly revokedNodes = new Map<string, RevokedNodeRecord>();

  apply(change: CredentialChange): void {
    if ('join_token' in change) this.joinTokens.set(change.join_token.id, change.join_token);
    else if ('credential' in change) this.credentials.set(change.credential.token_id, change.credential);
    else if ('drop_credential' in change) this.credentials.delete(change.drop_credential);
    else this.revokedNodes.set(change.revoked_node.node_id, change.revoked_node);
  }

  state(): CredentialState {
    return { joinTokens: [...this.joinTokens.values()], credentials: [...this.credentials.values()], revokedNodes: [...this.revokedNodes.values()] };
  }

  /** The changes that rebuild these maps (what a compaction keeps). */
  changes(): CredentialChange[] {
    return [
      ...[...this.joinTokens.values()].map((join_token) => ({ join_token })),
      ...[...this.credentials.values()].map((credential) => ({ credential })),
      ...[...this.revokedNodes.values()].map((revoked_node) => ({ revoked_node })),
    ];
  }

  get size(): number {
    return this.joinTokens.size + this.credentials.size + this.revokedNodes.size;
  }
}
