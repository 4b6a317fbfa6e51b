import { Injectable } from '@nestjs/common';
import { MAX_TASK_WAIT_S, TaskConfigDto, TaskEnvelopeDto } from '@gridcore/contracts';
import { EventBus } from '../events/event-bus';
import { CredentialBook } from '../join-tokens/credential-book';
import { NodesService } from '../nodes/nodes.service';
import { taskConfigFor } from '../tasks/task-views';
import { TasksService } from '../tasks/tasks.service';

export interface WatchRequest {
  platform?: string;
  wait: number;
  revision?: number;
  nodeId?: string;
  /** The node a node credential is bound to: its revocation ends the wait. */
  credentialNodeId?: string;
}

/**
 * The node's view of the grid: the current task for its platform, and the long-poll that
 * answers as soon as the revision moves or a stop is asked for that node.
 */
@Injectable()
export class TaskWatch {
  constructor(
    private readonly tasks: TasksService,
    private readonly nodes: NodesService,
    private readonly bus: EventBus,
    private readonly credentials: CredentialBook,
  ) {}

  currentConfig(platform: string | undefined): TaskConfigDto | null {
    return taskConfigFor(this.tasks.current(), platform, this.tasks.revision);
  }

  async envelope(request: WatchRequest, abort: AbortSignal): Promise<TaskEnvelopeDto> {
    // An operator's scale (issue 20) answers the open poll at once, as a stop does.
    const requested = () => (request.nodeId ? this.nodes.find(request.nodeId)?.requested_parallelism : undefined);
    const scaledFrom = requested();
    const changed = () =>
      request.revision === undefined ||
      this.tasks.revision !== request.revision ||
      this.nodes.isStopRequested(request.nodeId) ||
      this.credentials.isRevoked(request.credentialNodeId) ||
      requested() !== scaledFrom;
    if (!changed()) await this.waitUntil(changed, Math.min(request.wait, MAX_TASK_WAIT_S) * 1000, abort);
    const parallelism = requested();
    return {
      revision: this.tasks.revision,
      stop_requested: this.nodes.isStopRequested(request.nodeId),
      task: this.currentConfig(request.platform),
      ...(parallelism !== undefined ? { parallelism } : {}),
    };
  }

  private waitUntil(changed: () => boolean, timeoutMs: number, abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        subscription.unsubscribe();
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const subscription = this.bus.events$.subscribe((event) => {
        if ((event.type.startsWith('task.') || event.type === 'node.stopping' || event.type === 'node.revoked' || event.type === 'node.updated') && changed()) done();
      });
      // A hub shutting down answers every poll at once, so it can close its server.
      subscription.add(this.bus.closing$.subscribe(() => done()));
      if (this.bus.isClosing) return done();
      abort.addEventListener('abort', done);
    });
  }
}
