import { Injectable } from '@nestjs/common';
import { RegisterNodeDto } from '@gridcore/contracts';
import type { Caller } from '../access/caller';
import { HubConfig } from '../config/hub-config';
import { ForbiddenError } from '../errors/forbidden.error';
import { TooManyRequestsError } from '../errors/too-many-requests.error';
import type { NodeRecord } from '../nodes/node-record';
import { NodesService } from '../nodes/nodes.service';
import { CredentialBook } from './credential-book';
import { RegistrationLimiter } from './registration-limiter';

/**
 * `POST /gridnode/register` by who calls it: the legacy token registers any id as the original
 * did; a join token registers a new id (or a known one without a live credential) and gets a node
 * credential bound to it; a node credential registers its own id again. A revoked id never
 * registers.
 */
@Injectable()
export class NodeEnrollment {
  private readonly limiter: RegistrationLimiter;

  constructor(
    private readonly book: CredentialBook,
    private readonly nodes: NodesService,
    config: HubConfig,
  ) {
    this.limiter = new RegistrationLimiter(config.values.join_rate_per_s);
  }

  async register(caller: Caller, dto: RegisterNodeDto): Promise<{ node: NodeRecord; nodeToken?: string }> {
    const id = caller.kind === 'node-credential' ? dto.node_id ?? caller.nodeId! : dto.node_id ?? null;
    if (caller.kind === 'node-credential' && id !== caller.nodeId) {
      throw new ForbiddenError(`this node credential belongs to node ${caller.nodeId}, not ${id}`);
    }
    const revoked = id ? this.book.revokedRecord(id) : undefined;
    if (revoked) throw new ForbiddenError(`node ${id} was revoked at ${revoked.revoked_at}; it cannot register again`);
    if (caller.kind !== 'join') return { node: await this.nodes.register({ ...dto, node_id: id }) };
    return this.join(caller.joinTokenId!, id, dto);
  }

  private async join(joinTokenId: string, id: string | null, dto: RegisterNodeDto): Promise<{ node: NodeRecord; nodeToken: string }> {
    if (id && this.book.hasCredential(id)) {
      throw new ForbiddenError(`node ${id} already holds a node credential: register with its node_token, not with a join token`);
    }
    const joinToken = this.book.joinToken(joinTokenId)!;
    if (joinToken.max_nodes !== null && this.book.liveCount(joinTokenId) >= joinToken.max_nodes) {
      throw new ForbiddenError(`join token ${joinTokenId} (${joinToken.label}) already has its cap of ${joinToken.max_nodes} live nodes (max_nodes)`);
    }
    if (!this.limiter.take(joinTokenId)) {
      throw new TooManyRequestsError(`join token ${joinTokenId}: more than ${this.limiter.rate} registrations a second; retry in a few seconds`);
    }
    const nodeId = id ?? this.nodes.newNodeId();
    // Issued before the node record is written: the credential reserves the id and the cap's place.
    const nodeToken = await this.book.issueCredential(nodeId, joinTokenId);
    try {
      return { node: await this.nodes.register({ ...dto, node_id: nodeId }), nodeToken };
    } catch (err) {
      await this.book.withdraw(nodeToken);
      throw err;
    }
  }
}
