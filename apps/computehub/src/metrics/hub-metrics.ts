import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Subscription } from 'rxjs';
import { PAUSE_REASONS, type TaskProgressDto } from '@gridcore/contracts';
import { EventBus } from '../events/event-bus';
import type { NodeRecord } from '../nodes/node-record';
import { NodesService, PER_NODE_FIGURES_MAX } from '../nodes/nodes.service';
import { ProgressBoard } from '../progress/progress-board';
import { TasksService } from '../tasks/tasks.service';

/** The running task's name with its latest sample. */
export type RunningProgress = TaskProgressDto & { task: string };

const NODE_STATUSES = ['online', 'offline'] as const;
const RUNTIME_STATUSES = ['Idle', 'Running', 'Error'] as const;
const ITEM_STATES = ['pending', 'in_flight', 'done', 'dead'] as const;

/**
 * The hub's Prometheus metrics, on a registry of its own (several hubs in one process, as in
 * the tests, never share series). Gauges about nodes and the running task are computed when
 * scraped, from the services and the progress board; counters follow the event bus.
 */
@Injectable()
export class HubMetrics implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private subscription: Subscription | null = null;

  private readonly taskSwitches = new Counter({
    name: 'gridcore_task_switches_total',
    help: 'Tasks started (a registration onto an idle grid, finish, next or auto-finish)',
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'gridcore_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern (server-sent event streams excluded)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(
    private readonly bus: EventBus,
    private readonly nodes: NodesService,
    private readonly tasks: TasksService,
    private readonly progress: ProgressBoard,
  ) {
    const self = this;
    new Gauge({
      name: 'gridcore_nodes',
      help: 'Known nodes by connection status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        const counts = countBy(self.nodes.records(), (n) => (n.online ? 'online' : 'offline'), NODE_STATUSES);
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'gridcore_nodes_runtime',
      help: 'Online nodes by the status of their last heartbeat (Idle, Running, Error)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        const online = [...self.nodes.records()].filter((n) => n.online && n.runtime_status);
        for (const [status, n] of countBy(online, (n) => n.runtime_status!, RUNTIME_STATUSES)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'gridcore_nodes_paused',
      help: 'Online nodes whose containers are frozen because their owner needs the machine, by reason (owner_busy, outside_hours, on_battery, by_hand)',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        const paused = [...self.nodes.records()].filter((n) => n.online && n.paused);
        for (const [reason, n] of countBy<NodeRecord, string>(paused, (n) => n.paused!.reason, PAUSE_REASONS)) this.set({ reason }, n);
      },
    });
    new Gauge({
      name: 'gridcore_task_nodes',
      help: 'Online nodes running at least one container of a task, by task (as their last heartbeat says)',
      labelNames: ['task'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const running = [...self.nodes.records()].filter((n) => n.online && n.task_name && n.active_containers > 0);
        for (const [task, n] of countBy<NodeRecord, string>(running, (n) => n.task_name!, [])) this.set({ task }, n);
      },
    });
    new Gauge({
      name: 'gridcore_containers_running',
      help: 'Worker containers running on online nodes (sum of their last active_containers)',
      registers: [this.registry],
      collect() {
        this.set(sum(self.nodes.records(), (n) => (n.online ? n.active_containers : 0)));
      },
    });
    new Gauge({
      name: 'gridcore_task_items',
      help: 'The running task\'s items by state, from its latest progress sample',
      labelNames: ['task', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const p = self.runningProgress();
        if (p) for (const state of ITEM_STATES) this.set({ task: p.task, state }, p[state]);
      },
    });
    new Gauge({
      name: 'gridcore_task_items_per_second',
      help: 'The running task\'s processing rate, from its latest progress sample',
      labelNames: ['task'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const p = self.runningProgress();
        if (p) this.set({ task: p.task }, p.items_per_s);
      },
    });
    new Gauge({
      name: 'gridcore_task_dead_items',
      help: 'Items of the running task that ran out of attempts (dead letter list)',
      labelNames: ['task'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const p = self.runningProgress();
        if (p) this.set({ task: p.task }, p.dead);
      },
    });
    new Gauge({
      name: 'gridcore_task_progress_error',
      help: '1 when the running task\'s last progress sample failed (its Redis unreachable, ...)',
      labelNames: ['task'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const p = self.runningProgress();
        if (p) this.set({ task: p.task }, p.error ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gridcore_task_data_lost',
      help: '1 while the running task is flagged because its Redis lost the queue (auto-finish held until acknowledged)',
      labelNames: ['task'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const current = self.tasks.current();
        if (current?.input_redis && current.input_queue) this.set({ task: current.name }, current.data_loss ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gridcore_node_items_processed',
      help: `Items of the running task processed per node (registered nodes only, at most ${PER_NODE_FIGURES_MAX})`,
      labelNames: ['task', 'node', 'hostname'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const p = self.runningProgress();
        if (!p) return;
        // A sample's ids come from registered nodes already; a node gone since is left out too.
        let series = 0;
        for (const [id, n] of Object.entries(p.per_node ?? {})) {
          const node = self.nodes.find(id);
          if (!node) continue;
          this.set({ task: p.task, node: id, hostname: node.hostname }, n);
          if (++series >= PER_NODE_FIGURES_MAX) break;
        }
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'gridcore_' });
  }

  onModuleInit(): void {
    this.subscription = this.bus.of('task.started').subscribe(() => this.taskSwitches.inc());
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.registry.clear();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** The latest sample of the running task, or null (no task, or no sample since it started). */
  runningProgress(): RunningProgress | null {
    const current = this.tasks.current();
    if (!current) return null;
    const sample = this.progress.get(current.id);
    return sample && { ...sample, task: current.name };
  }
}

function countBy<T, K extends string>(items: Iterable<T>, key: (item: T) => K, all: readonly K[]): Map<K, number> {
  const counts = new Map<K, number>(all.map((k) => [k, 0]));
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function sum(nodes: Iterable<NodeRecord>, value: (n: NodeRecord) => number): number {
  let total = 0;
  for (const node of nodes) total += value(node);
  return total;
}
