import { Logger } from '@nestjs/common';
import { ContainerRuntime } from '@gridcore/docker-runtime';
import { SlotQueue } from '../queue/slot-queue';
import { bareGatewayUrl } from '../queue/gateway-secrets';
import { LABEL_DATA_PLANE, LABEL_NODE, LABEL_RUN } from './container-plan';

/** What the workers hold right now: their containers and the runs they are starting. */
export interface TrackedContainers {
  runs: Set<string>;
  containers: Set<string>;
}

const NOTHING_TRACKED: TrackedContainers = { runs: new Set(), containers: new Set() };

/**
 * Removes containers labelled with this node's id that no worker tracks (a crashed agent's, or
 * one a worker lost) and requeues their in-flight batches with an attempt, reading the queue and
 * Redis URL from each container's own env (its task may no longer be the current one).
 * Containers of other nodes on the same engine are never touched: the list is filtered by our id.
 */
export class OrphanReconciler {
  private readonly logger = new Logger('Reconciler');

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly queue: SlotQueue,
    private readonly stopTimeoutS: number,
  ) {}

  /**
   * Returns how many orphans it removed. `tracked` is asked afresh for each listed container, after
   * the list: a worker names its run before it creates the container, so a container that shows up
   * in the list while its worker starts it is never taken for an orphan (this matters most when the
   * engine returns and every slot starts again at once).
   */
  async reconcile(nodeId: string, tracked: () => TrackedContainers = () => NOTHING_TRACKED): Promise<number> {
    const containers = await this.runtime.listManaged({ [LABEL_NODE]: nodeId });
    let removed = 0;
    for (const c of containers) {
      const now = tracked();
      if (now.containers.has(c.id)) continue;
      const run = c.labels[LABEL_RUN];
      if (run && now.runs.has(run)) continue;
      const details = await this.runtime.inspect(c.id).catch(() => null);
      if (details?.running) await this.runtime.stop(c.id, this.stopTimeoutS).catch(() => this.runtime.kill(c.id).catch(() => undefined));
      try {
        await this.runtime.remove(c.id);
      } catch (err) {
        // One stubborn container must not keep the others (and their batches) waiting a pass.
        this.logger.warn(`could not remove orphan ${c.id.slice(0, 12)}; will retry: ${(err as Error).message}`);
        continue;
      }
      removed++;
      const env = details?.env ?? {};
      const label = `orphan ${c.id.slice(0, 12)} (task ${c.labels['gridcore.task'] ?? '?'}, instance ${env.INSTANCE_ID ?? '?'})`;
      if (!env.INPUT_REDIS_URL || !env.INPUT_QUEUE || !env.RUN_ID || env.INSTANCE_ID === undefined) {
        this.logger.log(`removed ${label}; its queue is not visible to the node`);
        continue;
      }
      try {
        // A gateway container's URL carries its own slot secret: the node asks the gateway as itself.
        const gateway = c.labels[LABEL_DATA_PLANE] === 'gateway';
        const items = await this.queue.requeueSlot(
          gateway
            ? { redisUrl: bareGatewayUrl(env.INPUT_REDIS_URL), queue: env.INPUT_QUEUE, tlsCa: env.REDIS_TLS_CA, dataPlane: 'gateway' }
            : { redisUrl: env.INPUT_REDIS_URL, queue: env.INPUT_QUEUE, tlsCa: env.REDIS_TLS_CA },
          { nodeId: env.NODE_ID || nodeId, instance: env.INSTANCE_ID, runId: env.RUN_ID },
        );
        this.logger.log(`removed ${label}; requeued ${items} in-flight item(s)`);
      } catch (err) {
        this.logger.warn(`removed ${label}; could not requeue its batches (their leases will expire): ${(err as Error).message}`);
      }
    }
    return removed;
  }
}
