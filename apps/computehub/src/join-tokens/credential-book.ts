import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { JoinTokenDto } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { StateUnavailableError } from '../errors/state-unavailable.error';
import { EventBus } from '../events/event-bus';
import { CredentialChange, JoinTokenRecord, NodeCredentialRecord, RevokedNodeRecord } from './credential-records';
import { CredentialStore } from './credential-store';
import { configJoinTokenId, issueToken, parseToken, sameDigest, sameDigestBytes, tokenDigest, tokenDigestBytes } from './token-format';

/** What a bearer token is to the credential book. */
export type CredentialLookup =
  | { kind: 'node-credential'; nodeId: string; joinTokenId: string | null }
  | { kind: 'join'; joinTokenId: string }
  | { kind: 'refused'; message: string; reason?: 'revoked' }
  /** Not a join token nor a node credential: the static role tokens decide. */
  | { kind: 'other' };

/**
 * Owns join tokens, node credentials and revoked node ids, in memory for O(1) lookups and in the
 * {@link CredentialStore} for restarts. A hub-made token names its record by id, so a lookup is
 * one map read and one constant-time digest comparison, however many nodes there are. Changes
 * are applied in memory before they are written (and undone if the write fails), so two
 * registrations racing see each other's reservations.
 */
@Injectable()
export class CredentialBook implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Credentials');
  private readonly joinTokens = new Map<string, JoinTokenRecord>();
  /** Join tokens from `node_tokens`: few, compared one by one (they carry no id). */
  private readonly configTokens: JoinTokenRecord[] = [];
  private readonly credentials = new Map<string, NodeCredentialRecord>();
  private readonly credentialOfNode = new Map<string, string>();
  private readonly revoked = new Map<string, RevokedNodeRecord>();
  /** Live (credential held, not revoked) node ids per join token. */
  private readonly liveNodes = new Map<string, Set<string>>();
  private removals?: Subscription;
  /** Each record's stored hex digest as bytes, decoded once rather than on every request. */
  private readonly digestBytes = new WeakMap<{ digest: string }, Buffer>();

  constructor(
    private readonly store: CredentialStore,
    private readonly config: HubConfig,
    private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    const state = await this.store.load();
    for (const t of state.joinTokens) this.joinTokens.set(t.id, t);
    for (const r of state.revokedNodes) this.revoked.set(r.node_id, r);
    for (const c of state.credentials) this.putCredential(c);
    for (const token of new Set(this.config.values.node_tokens)) {
      const id = configJoinTokenId(token);
      const saved = this.joinTokens.get(id);
      const record: JoinTokenRecord = {
        id,
        label: saved?.label ?? `node_tokens[${this.configTokens.length}]`,
        digest: tokenDigest(token),
        max_nodes: null,
        expires_at: null,
        created_at: null,
        revoked_at: saved?.revoked_at ?? null,
        source: 'config',
      };
      this.joinTokens.set(id, record);
      this.configTokens.push(record);
    }
    // A node the hub forgot (node_remove_after_s, DELETE) loses its credential: it joins again.
    this.removals = this.bus.events$.subscribe((event) => {
      if (event.type === 'node.removed') void this.forgetNode((event.data as { id: string }).id);
    });
    this.logger.log(`${this.joinTokens.size} join tokens, ${this.credentials.size} node credentials, ${this.revoked.size} revoked nodes loaded`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.removals?.unsubscribe();
    await this.store.close();
  }

  /** Resolves a bearer token: O(1) for hub-made tokens; never says which part of a token was wrong. */
  lookup(token: string, nowMs = Date.now()): CredentialLookup {
    const parsed = parseToken(token);
    if (parsed?.kind === 'node') {
      const credential = this.credentials.get(parsed.id);
      if (!credential || !this.matches(credential, token)) return { kind: 'refused', message: 'unknown node credential' };
      const revoked = this.revoked.get(credential.node_id);
      if (revoked) return { kind: 'refused', message: `node ${credential.node_id} was revoked at ${revoked.revoked_at}`, reason: 'revoked' };
      return { kind: 'node-credential', nodeId: credential.node_id, joinTokenId: credential.join_token_id };
    }
    let joinToken: JoinTokenRecord | undefined;
    if (parsed?.kind === 'join') {
      const record = this.joinTokens.get(parsed.id);
      if (!record || !this.matches(record, token)) return { kind: 'refused', message: 'unknown join token' };
      joinToken = record;
    } else {
      const digest = tokenDigest(token);
      // Every config token is compared, so timing tells neither a match nor its place.
      for (const record of this.configTokens) if (sameDigest(record.digest, digest)) joinToken = record;
      if (!joinToken) return { kind: 'other' };
    }
    if (joinToken.revoked_at) return { kind: 'refused', message: `join token ${joinToken.id} was revoked at ${joinToken.revoked_at}` };
    if (joinToken.expires_at && Date.parse(joinToken.expires_at) <= nowMs) {
      return { kind: 'refused', message: `join token ${joinToken.id} expired at ${joinToken.expires_at}` };
    }
    return { kind: 'join', joinTokenId: joinToken.id };
  }

  joinToken(id: string): JoinTokenRecord | undefined {
    return this.joinTokens.get(id);
  }

  get joinTokenCount(): number {
    return this.joinTokens.size;
  }

  isRevoked(nodeId: string | null | undefined): boolean {
    return !!nodeId && this.revoked.has(nodeId);
  }

  revokedRecord(nodeId: string): RevokedNodeRecord | undefined {
    return this.revoked.get(nodeId);
  }

  hasCredential(nodeId: string): boolean {
    return this.credentialOfNode.has(nodeId);
  }

  /** The lowercase hex SHA-256 of the node's live credential; null when it holds none or was revoked. */
  digestOf(nodeId: string): string | null {
    if (this.revoked.has(nodeId)) return null;
    const tokenId = this.credentialOfNode.get(nodeId);
    return (tokenId && this.credentials.get(tokenId)?.digest) || null;
  }

  liveCount(joinTokenId: string): number {
    return this.liveNodes.get(joinTokenId)?.size ?? 0;
  }

  /** Live node ids that joined with a join token. */
  liveNodesOf(joinTokenId: string): string[] {
    return [...(this.liveNodes.get(joinTokenId) ?? [])];
  }

  list(): JoinTokenDto[] {
    const joined = new Map<string, JoinTokenDto['nodes']>();
    const add = (id: string | null, node: JoinTokenDto['nodes'][number]) => {
      if (!id) return;
      let nodes = joined.get(id);
      if (!nodes) joined.set(id, (nodes = []));
      nodes.push(node);
    };
    for (const c of this.credentials.values()) {
      add(c.join_token_id, { node_id: c.node_id, joined_at: c.issued_at, revoked_at: this.revoked.get(c.node_id)?.revoked_at ?? null });
    }
    for (const r of this.revoked.values()) {
      // A revoked node whose credential is gone still shows under the token it came with.
      if (!this.credentialOfNode.has(r.node_id)) add(r.join_token_id, { node_id: r.node_id, joined_at: r.joined_at ?? r.revoked_at, revoked_at: r.revoked_at });
    }
    return [...this.joinTokens.values()]
      .map((t) => ({
        id: t.id,
        label: t.label,
        max_nodes: t.max_nodes,
        expires_at: t.expires_at,
        created_at: t.created_at,
        revoked_at: t.revoked_at,
        source: t.source,
        live_nodes: this.liveCount(t.id),
        nodes: (joined.get(t.id) ?? []).sort((a, b) => a.node_id.localeCompare(b.node_id)),
      }))
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id));
  }

  /** A new join token; the token itself is returned once and kept only as its digest. */
  async createJoinToken(fields: { label: string; max_nodes: number | null; expires_at: string | null }): Promise<{ record: JoinTokenRecord; token: string }> {
    const issued = issueToken('join');
    const record: JoinTokenRecord = { id: issued.id, digest: issued.digest, ...fields, created_at: new Date().toISOString(), revoked_at: null, source: 'api' };
    await this.commit(
      () => this.joinTokens.set(record.id, record),
      () => this.joinTokens.delete(record.id),
      [{ join_token: record }],
    );
    return { record, token: issued.token };
  }

  async revokeJoinToken(id: string, at: string): Promise<JoinTokenRecord> {
    const before = this.joinTokens.get(id)!;
    const after = { ...before, revoked_at: before.revoked_at ?? at };
    await this.commit(
      () => this.joinTokens.set(id, after),
      () => this.joinTokens.set(id, before),
      [{ join_token: after }],
    );
    return after;
  }

  /**
   * Issues a node credential bound to `nodeId` (replacing one it held) and returns the token.
   * The record is in memory before the write starts, so caps and "already holds one" checks made
   * just before, in the same tick, hold against concurrent registrations.
   */
  async issueCredential(nodeId: string, joinTokenId: string | null): Promise<string> {
    const issued = issueToken('node');
    const record: NodeCredentialRecord = { token_id: issued.id, node_id: nodeId, digest: issued.digest, join_token_id: joinTokenId, issued_at: new Date().toISOString() };
    const previousId = this.credentialOfNode.get(nodeId);
    const previous = previousId ? this.credentials.get(previousId) : undefined;
    const changes: CredentialChange[] = [...(previous ? [{ drop_credential: previous.token_id }] : []), { credential: record }];
    await this.commit(
      () => {
        if (previous) this.dropCredential(previous);
        this.putCredential(record);
      },
      () => {
        this.dropCredential(record);
        if (previous) this.putCredential(previous);
      },
      changes,
    );
    return issued.token;
  }

  /** Drops a credential issued a moment ago whose registration then failed. */
  async withdraw(nodeToken: string): Promise<void> {
    const parsed = parseToken(nodeToken);
    const record = parsed ? this.credentials.get(parsed.id) : undefined;
    if (!record) return;
    this.dropCredential(record);
    await this.store.write([{ drop_credential: record.token_id }]).catch(() => undefined);
  }

  /** Remembers `nodeId` as revoked for good; idempotent (the first time is kept). */
  async revokeNode(nodeId: string, at: string): Promise<RevokedNodeRecord> {
    const existing = this.revoked.get(nodeId);
    if (existing) return existing;
    const tokenId = this.credentialOfNode.get(nodeId);
    const credential = tokenId ? this.credentials.get(tokenId) : undefined;
    const record: RevokedNodeRecord = { node_id: nodeId, revoked_at: at, join_token_id: credential?.join_token_id ?? null, joined_at: credential?.issued_at ?? null };
    await this.commit(
      () => {
        this.revoked.set(nodeId, record);
        if (credential?.join_token_id) this.liveNodes.get(credential.join_token_id)?.delete(nodeId);
      },
      () => {
        this.revoked.delete(nodeId);
        if (credential) this.putCredential(credential);
      },
      [{ revoked_node: record }],
    );
    return record;
  }

  /** The hub forgot a node: its credential goes (a revoked one stays, so it keeps answering "revoked"). */
  async forgetNode(nodeId: string): Promise<void> {
    const tokenId = this.credentialOfNode.get(nodeId);
    const credential = tokenId ? this.credentials.get(tokenId) : undefined;
    if (!credential || this.revoked.has(nodeId)) return;
    this.dropCredential(credential);
    await this.store.write([{ drop_credential: credential.token_id }]).catch((err: Error) => {
      this.logger.warn(`could not save that node ${nodeId}'s credential is gone: ${err.message}`);
    });
  }

  /** Whether `token` is the secret whose digest `record` keeps, compared in constant time. */
  private matches(record: { digest: string }, token: string): boolean {
    let kept = this.digestBytes.get(record);
    if (!kept) this.digestBytes.set(record, (kept = Buffer.from(record.digest, 'hex')));
    return sameDigestBytes(kept, tokenDigestBytes(token));
  }

  private putCredential(record: NodeCredentialRecord): void {
    this.credentials.set(record.token_id, record);
    this.credentialOfNode.set(record.node_id, record.token_id);
    if (record.join_token_id && !this.revoked.has(record.node_id)) {
      let live = this.liveNodes.get(record.join_token_id);
      if (!live) this.liveNodes.set(record.join_token_id, (live = new Set()));
      live.add(record.node_id);
    }
  }

  private dropCredential(record: NodeCredentialRecord): void {
    this.credentials.delete(record.token_id);
    if (this.credentialOfNode.get(record.node_id) === record.token_id) this.credentialOfNode.delete(record.node_id);
    if (record.join_token_id) this.liveNodes.get(record.join_token_id)?.delete(record.node_id);
  }

  private async commit(apply: () => unknown, undo: () => unknown, changes: CredentialChange[]): Promise<void> {
    apply();
    try {
      await this.store.write(changes);
    } catch (err) {
      undo();
      this.logger.error(`could not save credentials: ${(err as Error).message}`);
      throw new StateUnavailableError('credentials could not be saved; nothing was changed');
    }
  }
}
