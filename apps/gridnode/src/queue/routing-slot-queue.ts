import type { FailureCause } from '@gridcore/queue';
import { QueueRef, SlotQueue, SlotRef } from './slot-queue';

/** Sends each call down its task's data plane: the gateway for a gateway task, Redis itself otherwise. */
export class RoutingSlotQueue extends SlotQueue {
  constructor(
    private readonly direct: SlotQueue,
    private readonly gateway: SlotQueue,
  ) {
    super();
  }

  private pick(queue: QueueRef): SlotQueue {
    return queue.dataPlane === 'gateway' ? this.gateway : this.direct;
  }

  requeueSlot(queue: QueueRef, slot: SlotRef, cause?: FailureCause): Promise<number> {
    return this.pick(queue).requeueSlot(queue, slot, cause);
  }

  override renewSlot(queue: QueueRef, slot: SlotRef, frozenMs: number): Promise<{ batches: number; items: number }> {
    return this.pick(queue).renewSlot(queue, slot, frozenMs);
  }

  handBackSlot(queue: QueueRef, slot: SlotRef): Promise<number> {
    return this.pick(queue).handBackSlot(queue, slot);
  }

  pending(queue: QueueRef, nodeId?: string): Promise<number> {
    return this.pick(queue).pending(queue, nodeId);
  }

  requeueOrphans(queue: QueueRef, nodeId: string, liveInstances: readonly (number | string)[]): Promise<number> {
    return this.pick(queue).requeueOrphans(queue, nodeId, liveInstances);
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), this.gateway.close()]);
  }
}
