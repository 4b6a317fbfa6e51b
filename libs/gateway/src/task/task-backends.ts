import type { GatewayDirectory, GatewayTaskRoute } from '../gateway-directory';
import { ConsumerSlot } from './consumer-slot';
import { QueueCalls } from './queue-calls';
import { TaskBackend } from './task-backend';

function routeKey(r: GatewayTaskRoute): string {
  return JSON.stringify([r.input_redis, r.output_redis, r.input_queue, r.output_queue, r.redis_tls_ca, r.batch_timeout_s, r.max_attempts]);
}

/** How long a graceful-stop mark waits for the container's connections to close. */
const GRACEFUL_MARK_MS = 120_000;

/**
 * The tasks the gateway serves: each node's route (cached for `routeCacheMs`), one backend per
 * task, the original consumers' slots, and the timer that renews what those slots hold.
 */
export class TaskBackends {
  private readonly routes = new Map<string, { route: GatewayTaskRoute | null; until: number; backend?: TaskBackend }>();
  private readonly backends = new Map<string, TaskBackend>();
  private readonly slots = new Map<string, { backend: TaskBackend; slot: ConsumerSlot }>();
  private readonly gracefulMarks = new Map<string, number>();
  private renewTimer?: NodeJS.Timeout;
  private renewing = false;
  private readonly renewedAt = new Map<TaskBackend, number>();

  constructor(
    private readonly directory: GatewayDirectory,
    private readonly routeCacheMs = 2000,
    private readonly renewEveryMs?: number,
  ) {}

  forget(nodeId: string): void {
    this.routes.delete(nodeId);
  }

  /** The backend of the task this node runs now (connected), or null. */
  async backendFor(nodeId: string): Promise<TaskBackend | null> {
    const now = Date.now();
    let hit = this.routes.get(nodeId);
    if (!hit || hit.until <= now) {
      hit = { route: await this.directory.taskFor(nodeId), until: now + this.routeCacheMs };
      this.routes.set(nodeId, hit);
    }
    if (!hit.route) return null;
    let backend = hit.backend;
    if (!backend) {
      const key = routeKey(hit.route);
      backend = this.backends.get(key);
      if (!backend) {
        backend = new TaskBackend(hit.route);
        this.backends.set(key, backend);
        this.startRenewing();
      }
      hit.backend = backend;
    }
    if (!backend.isOpen) await backend.open();
    return backend;
  }

  /**
   * The backend `backendFor` would answer, without a promise, when its route is cached and the
   * backend open (the original consumer's hot path); undefined when only `backendFor` can tell.
   */
  cachedBackend(nodeId: string): TaskBackend | undefined {
    const hit = this.routes.get(nodeId);
    if (!hit || hit.until <= Date.now() || !hit.backend?.isOpen) return undefined;
    return hit.backend;
  }

  /** The original-consumer slot of `<node>.<instance>` on this backend, made on first use. */
  slot(backend: TaskBackend, nodeId: string, instance: string): ConsumerSlot {
    const key = `${nodeId}.${instance}`;
    let entry = this.slots.get(key);
    if (!entry || entry.backend !== backend) {
      entry = { backend, slot: new ConsumerSlot(backend, nodeId, instance) };
      this.slots.set(key, entry);
    }
    if (this.isGraceful(nodeId, instance)) entry.slot.graceful = true;
    return entry.slot;
  }

  existingSlot(nodeId: string, instance: string): ConsumerSlot | undefined {
    return this.slots.get(`${nodeId}.${instance}`)?.slot;
  }

  dropSlotIfIdle(slot: ConsumerSlot): void {
    const key = `${slot.nodeId}.${slot.instance}`;
    if (slot.idle && this.slots.get(key)?.slot === slot) this.slots.delete(key);
  }

  /** The node stops this instance gracefully: its connections' close hands back instead of requeueing. */
  markGraceful(nodeId: string, instance: string): void {
    this.gracefulMarks.set(`${nodeId}.${instance}`, Date.now() + GRACEFUL_MARK_MS);
    const slot = this.existingSlot(nodeId, instance);
    if (slot) slot.graceful = true;
  }

  isGraceful(nodeId: string, instance: string): boolean {
    const until = this.gracefulMarks.get(`${nodeId}.${instance}`);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.gracefulMarks.delete(`${nodeId}.${instance}`);
    return false;
  }

  private startRenewing(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => void this.renewAll(), this.renewEveryMs ?? 1000);
    this.renewTimer.unref();
  }

  /** Renews every lease the consumer slots hold; a third of lease_s or 5 s, whichever is shorter. */
  async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const now = Date.now();
      for (const [key, until] of this.gracefulMarks) if (until <= now) this.gracefulMarks.delete(key);
      const due = new Set<TaskBackend>();
      for (const b of this.backends.values()) {
        if (now - (this.renewedAt.get(b) ?? 0) >= Math.min(5000, (b.leaseS * 1000) / 3)) {
          due.add(b);
          this.renewedAt.set(b, now);
        }
      }
      await Promise.all(
        [...this.slots.values()].filter(({ backend }) => due.has(backend)).map(async ({ backend, slot }) => {
          const calls = new QueueCalls(backend);
          await Promise.all(slot.leasedKeys().map((k) => calls.renew(k).catch(() => false)));
        }),
      );
    } finally {
      this.renewing = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await Promise.all([...this.backends.values()].map((b) => b.close()));
    this.backends.clear();
  }
}
