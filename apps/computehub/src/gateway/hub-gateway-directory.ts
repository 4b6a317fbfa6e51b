import { Injectable } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { GatewayDirectory, GatewayTaskRoute } from '@gridcore/gateway';
import { EventBus } from '../events/event-bus';
import { CredentialBook } from '../join-tokens/credential-book';
import type { TaskRecord } from '../tasks/task-record';
import { dataPlaneOf } from '../tasks/task-views';
import { TasksService } from '../tasks/tasks.service';

/**
 * After a gateway task completes, its nodes still stop their containers and hand back what those
 * held: the gateway keeps serving that task's hand-backs this long.
 */
export const COMPLETED_TASK_GRACE_MS = 120_000;

/**
 * The gateway's directory read straight from the hub's own state (the in-process gateway, and
 * the routes a standalone one calls): digests from the credential book, the route from the task
 * store with the task's real Redis URLs, revocations from the event bus.
 */
@Injectable()
export class HubGatewayDirectory extends GatewayDirectory {
  constructor(
    private readonly credentials: CredentialBook,
    private readonly tasks: TasksService,
    private readonly bus: EventBus,
  ) {
    super();
  }

  async credentialDigest(nodeId: string): Promise<string | null> {
    return this.credentials.digestOf(nodeId);
  }

  async taskFor(nodeId: string): Promise<GatewayTaskRoute | null> {
    if (!this.credentials.digestOf(nodeId)) return null;
    const task = this.servedTask(Date.now());
    return task ? routeOf(task) : null;
  }

  revocations(): Observable<string> {
    return this.bus.of('node.revoked').pipe(map((event) => event.data.id));
  }

  /** The running gateway task; else one that completed a moment ago, whose stopping containers still hand back. */
  private servedTask(nowMs: number): TaskRecord | null {
    const view = this.tasks.view();
    const current = view.current();
    if (current) return dataPlaneOf(current) === 'gateway' ? current : null;
    const last = view
      .completed()
      .filter((t) => t.completed_at)
      .sort((a, b) => a.completed_at!.localeCompare(b.completed_at!))
      .at(-1);
    if (!last || dataPlaneOf(last) !== 'gateway') return null;
    return nowMs - Date.parse(last.completed_at!) <= COMPLETED_TASK_GRACE_MS ? last : null;
  }
}

/** A gateway task's route; its fields were checked at registration (assertDataPlaneServable). */
export function routeOf(task: TaskRecord): GatewayTaskRoute {
  return {
    name: task.name,
    input_redis: task.input_redis!,
    output_redis: task.output_redis ?? task.input_redis!,
    redis_tls_ca: task.redis_tls_ca ?? null,
    input_queue: task.input_queue!,
    output_queue: task.output_queue!,
    batch_timeout_s: task.batch_timeout_s,
    max_attempts: task.max_attempts,
  };
}
