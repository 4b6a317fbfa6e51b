import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { EventBus } from '../events/event-bus';
import { NodesService } from '../nodes/nodes.service';
import type { NodeRunUsage, TaskRecord } from '../tasks/task-record';
import { TasksService } from '../tasks/tasks.service';
import { RunRef, RunUsageLedger } from './run-usage-ledger';

/** How often what changed is saved with the task records (a hub restart keeps it). */
const SAVE_EVERY_MS = 5_000;

function refOf(run: TaskRecord): RunRef {
  return { id: run.id, startedMs: run.started_at ? Date.parse(run.started_at) : null, completedMs: run.completed_at ? Date.parse(run.completed_at) : null };
}

/**
 * Feeds every heartbeat into the {@link RunUsageLedger} under the run its task name stands for,
 * and saves each run's usage with its record: every few seconds while it changes, and at once
 * when the run completes, so the report of a completed task survives hub restarts (file and
 * redis state stores alike, since it is part of the task state).
 */
@Injectable()
export class TaskUsageTracker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TaskUsage');
  readonly ledger = new RunUsageLedger();
  private readonly lastRunOfNode = new Map<string, RunRef>();
  private runsByName: Map<string, TaskRecord> | null = null;
  private subscriptions: Subscription[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly nodes: NodesService,
    private readonly tasks: TasksService,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    for (const run of this.tasks.view().state.tasks) this.ledger.restore(run.id, run.usage);
    this.subscriptions.push(
      this.nodes.heartbeats$.subscribe(({ nodeId, beat, atMs }) => {
        const run = beat.task_name ? this.runNamed(beat.task_name) : null;
        const ref = run ? refOf(run) : null;
        this.ledger.record(nodeId, beat, ref, atMs, this.lastRunOfNode.get(nodeId) ?? null);
        if (ref) this.lastRunOfNode.set(nodeId, ref);
        else this.lastRunOfNode.delete(nodeId);
      }),
      this.bus.of('task.registered', 'task.started', 'task.finished', 'task.removed').subscribe((event) => {
        this.runsByName = null;
        if (event.type === 'task.finished') {
          // The run's record is now completed: nodes still on it are timed from its completion.
          for (const [node, ref] of this.lastRunOfNode) if (ref.id === event.data.id) this.lastRunOfNode.set(node, refOf(this.tasks.get(event.data.name)));
          void this.save();
        }
      }),
    );
    this.timer = setInterval(() => void this.save(), SAVE_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.unsubscribe();
    await this.save();
  }

  /** The run's usage as known now (fresher than its record). */
  usageOf(runId: string): Record<string, NodeRunUsage> {
    return this.ledger.of(runId);
  }

  private runNamed(name: string): TaskRecord | null {
    if (!this.runsByName) {
      this.runsByName = new Map();
      const view = this.tasks.view();
      for (const run of view.state.tasks) this.runsByName.set(run.name, view.latest(run.name)!);
    }
    return this.runsByName.get(name) ?? null;
  }

  private async save(): Promise<void> {
    for (const id of this.ledger.takeChanged()) {
      if (!this.tasks.view().state.tasks.some((t) => t.id === id)) {
        this.ledger.forget(id);
        continue;
      }
      try {
        await this.tasks.annotate(id, { usage: this.ledger.of(id) });
      } catch (err) {
        this.logger.warn(`could not save the usage of run ${id}: ${(err as Error).message}`);
      }
    }
  }
}
