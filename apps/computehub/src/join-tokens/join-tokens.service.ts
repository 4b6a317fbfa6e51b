import { Injectable } from '@nestjs/common';
import { JoinTokenCreateDto, JoinTokenCreatedDto, JoinTokenDto, JoinTokenRevokedDto } from '@gridcore/contracts';
import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { NotFoundError } from '../errors/not-found.error';
import { CredentialBook } from './credential-book';
import { NodeRevocation } from './node-revocation.service';

/** The hub keeps at most this many join tokens (revoked ones included: they name their nodes). */
export const MAX_JOIN_TOKENS = 10_000;

/** The operator's side of join tokens: create (secret shown once), list, revoke. */
@Injectable()
export class JoinTokensService {
  constructor(
    private readonly book: CredentialBook,
    private readonly revocation: NodeRevocation,
  ) {}

  async create(dto: JoinTokenCreateDto, nowMs = Date.now()): Promise<JoinTokenCreatedDto> {
    const expiresAt = dto.expires_at ?? null;
    if (expiresAt !== null && Date.parse(expiresAt) <= nowMs) throw new InvalidRequestError(`expires_at ${expiresAt} is not in the future`);
    if (this.book.joinTokenCount >= MAX_JOIN_TOKENS) throw new ConflictError(`the hub keeps at most ${MAX_JOIN_TOKENS} join tokens`);
    const normalized = expiresAt === null ? null : new Date(expiresAt).toISOString();
    const { record, token } = await this.book.createJoinToken({ label: dto.label, max_nodes: dto.max_nodes ?? null, expires_at: normalized });
    return { id: record.id, label: record.label, token, max_nodes: record.max_nodes, expires_at: record.expires_at };
  }

  list(): JoinTokenDto[] {
    return this.book.list();
  }

  /** Revokes the token and every node that joined with it. */
  async revoke(id: string): Promise<JoinTokenRevokedDto> {
    if (!this.book.joinToken(id)) throw new NotFoundError(`Join token ${id} not found`);
    const record = await this.book.revokeJoinToken(id, new Date().toISOString());
    const nodes = this.book.liveNodesOf(id);
    for (const nodeId of nodes) await this.revocation.revoke(nodeId, record.revoked_at!);
    return { id, revoked_at: record.revoked_at!, revoked_nodes: nodes.sort() };
  }
}
