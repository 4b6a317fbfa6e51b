import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import type { TypedHubEvent } from '@gridcore/contracts';
import { EventBus } from '../events/event-bus';
import type { NodeRecord } from '../nodes/node-record';
import { NodesService } from '../nodes/nodes.service';
import { ScopedUsersBoard } from '../redis-users/scoped-users-board';
import { TasksService } from '../tasks/tasks.service';
import { hubDerivedReason, nodeVerdict, RunnableTask } from '../runnability/node-verdict';
import { RunnabilityBoard } from '../runnability/runnability-board';
import { RunnabilityTally } from '../runnability/runnability-tally';

/**
 * Works out whether any online node can run the running task, from the nodes' own reports
 * (`not_running` in heartbeats: a failed pull, a GPU refusal) and what the hub sees itself (no
 * image for a node's platform). It follows the event bus: a node event re-judges that node only;
 * a task change re-judges every node. `task.unrunnable` goes out when no online node can run the
 * task (and again when the reasons change), `task.runnable` when one can again.
 */
@Injectable()
export class RunnabilityTracker implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription?: Subscription;
  private task: RunnableTask | null = null;
  private tally: RunnabilityTally | null = null;
  private announcedUnrunnable: string | null = null;
  /** The node events a rebuild itself causes are not news to it. */
  private rebuilding = false;

  constructor(
    private readonly bus: EventBus,
    private readonly tasks: TasksService,
    private readonly nodes: NodesService,
    private readonly board: RunnabilityBoard,
    private readonly scopedUsers: ScopedUsersBoard,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.events$.subscribe((event) => this.on(event));
    this.rebuild();
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private on(event: TypedHubEvent): void {
    if (this.rebuilding || event.type === 'task.unrunnable' || event.type === 'task.runnable') return;
    if (event.type.startsWith('task.')) {
      const blockedChanged = event.type === 'task.node_credentials' && this.task !== null && this.scopedUsers.blockedReason(this.task.id) !== (this.task.volunteersBlocked ?? null);
      if (blockedChanged || (this.tasks.current()?.id ?? null) !== (this.task?.id ?? null)) this.rebuild();
      return;
    }
    if (event.type !== 'progress') {
      const id = event.data.id;
      if (id && this.judge(id, this.nodes.find(id))) this.announce();
    }
  }

  /** A new current task (or none): every node is judged again. */
  private rebuild(): void {
    const current = this.tasks.current();
    this.task = current
      ? { id: current.id, name: current.name, image: current.image, images: current.images, gpus: current.gpus, constraints: current.constraints ?? null, volunteersBlocked: this.scopedUsers.blockedReason(current.id) }
      : null;
    this.tally = this.task ? new RunnabilityTally(this.task.name) : null;
    this.announcedUnrunnable = null;
    const tally = this.tally;
    this.board.setCurrent(this.task && tally ? { taskId: this.task.id, compute: () => tally.view() } : null);
    this.rebuilding = true;
    try {
      for (const node of [...this.nodes.records()]) this.judge(node.id, node);
    } finally {
      this.rebuilding = false;
    }
    if (this.task) this.announce(true);
  }

  /** Judges one node against the current task; answers whether the tally changed. */
  private judge(id: string, node: NodeRecord | undefined): boolean {
    if (!node) return this.tally?.set(id, '', false, null) ?? false;
    const facts = {
      platform: node.platform,
      gpuCount: node.gpus.length,
      labels: node.labels,
      memoryMb: node.memory_total_mb,
      cpus: node.cpu_count,
      volunteer: this.scopedUsers.isVolunteer(id),
      reported: node.not_running ?? null,
    };
    const changed = this.task && this.tally ? this.tally.set(id, node.hostname, node.online, nodeVerdict(this.task, facts)) : false;
    // After the tally: the node.updated this may publish comes back here and must find it settled.
    this.nodes.setDerivedReason(id, this.task && node.online ? hubDerivedReason(this.task, facts) : null);
    return changed;
  }

  private announce(fresh = false): void {
    const task = this.task;
    const tally = this.tally;
    if (!task || !tally) return;
    if (tally.runnable) {
      if (this.announcedUnrunnable !== null) this.bus.publish('task.runnable', { task: task.name, task_id: task.id, ...tally.view() });
      this.announcedUnrunnable = null;
      return;
    }
    const view = tally.view();
    const signature = `${view.refusing_count}|${view.nodes_refusing.map((r) => `${r.node}:${r.reason}:${r.detail}`).join(',')}`;
    if (!fresh && signature === this.announcedUnrunnable) return;
    this.announcedUnrunnable = signature;
    this.bus.publish('task.unrunnable', { task: task.name, task_id: task.id, ...view });
  }
}
