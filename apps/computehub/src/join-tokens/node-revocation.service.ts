import { Injectable, Logger } from '@nestjs/common';
import { NodeRevokedDto } from '@gridcore/contracts';
import { NotFoundError } from '../errors/not-found.error';
import { EventBus } from '../events/event-bus';
import { NodesService } from '../nodes/nodes.service';
import { QueueRef, queueRefKey, queueRefOf, TaskQueues } from '../queues/task-queues';
import { RedisUsers } from '../redis-users/redis-users.service';
import { TasksService } from '../tasks/tasks.service';
import { CredentialBook } from './credential-book';

/**
 * A second hand-back this long after the first catches batches the node's containers took
 * between the revocation and their stop (an agent that obeys stops them within seconds).
 */
const SECOND_HAND_BACK_MS = 10_000;

/**
 * Revokes a node for good: its credential answers 401 `reason: "revoked"` from then on (its open
 * long-poll too), its id never registers again, and every batch under its `P:batch:<node>:`
 * keys goes back to its queue without an attempt.
 */
@Injectable()
export class NodeRevocation {
  private readonly logger = new Logger('Revocation');

  constructor(
    private readonly book: CredentialBook,
    private readonly nodes: NodesService,
    private readonly tasks: TasksService,
    private readonly queues: TaskQueues,
    private readonly bus: EventBus,
    private readonly redisUsers: RedisUsers,
  ) {}

  async revoke(nodeId: string, at = new Date().toISOString()): Promise<NodeRevokedDto> {
    if (!this.nodes.find(nodeId) && !this.book.hasCredential(nodeId) && !this.book.isRevoked(nodeId)) {
      throw new NotFoundError(`Node ${nodeId} not found`);
    }
    const record = await this.book.revokeNode(nodeId, at);
    const view = await this.nodes.markRevoked(nodeId, record.revoked_at);
    // Wakes the node's open long-poll, which then answers 401 "revoked"; listeners get the record as shown.
    if (view) this.bus.publish('node.revoked', view);
    this.logger.log(`node ${nodeId} revoked`);
    // Its Redis users go first (Redis disconnects their clients), so no container of the node can
    // take a batch after the hand-back below: one hand-back then finds every batch it holds.
    await this.redisUsers.dropForNode(nodeId).catch((err: Error) => this.logger.warn(`could not delete node ${nodeId}'s Redis users: ${err.message}`));
    const items = await this.handBack(nodeId);
    setTimeout(() => void this.handBack(nodeId), SECOND_HAND_BACK_MS).unref();
    return { node_id: nodeId, revoked_at: record.revoked_at, items_handed_back: items };
  }

  /** Hands back the node's batches in every queue the hub holds; a queue it cannot reach is left to its leases. */
  private async handBack(nodeId: string): Promise<number> {
    let items = 0;
    for (const ref of this.heldQueues()) {
      try {
        items += await this.queues.handBackNode(ref, nodeId);
      } catch (err) {
        this.logger.warn(`could not hand back node ${nodeId}'s batches of queue ${ref.queue} (their leases will requeue them): ${(err as Error).message}`);
      }
    }
    if (items > 0) this.logger.log(`handed back ${items} items node ${nodeId} held`);
    return items;
  }

  private heldQueues(): QueueRef[] {
    const refs = new Map<string, QueueRef>();
    for (const task of this.tasks.view().state.tasks) {
      const ref = queueRefOf(task);
      if (ref) refs.set(queueRefKey(ref), ref);
    }
    return [...refs.values()];
  }
}
