import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TaskCreateDto } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { NotFoundError } from '../errors/not-found.error';
import { StateUnavailableError } from '../errors/state-unavailable.error';
import { EventBus } from '../events/event-bus';
import { MoveTarget, RunExpectation, TaskLifecycle, Transition } from './task-lifecycle';
import { EMPTY_TASK_STATE, TaskRecord, TaskState } from './task-record';
import { TaskStore } from './task-store';
import { publicTask, recordFromDto } from './task-views';

export type CompletionCause = 'finish' | 'next' | 'auto_finish';

/** What a completed run left in its queues and its last figures, recorded as it completes. */
export type CompletionFacts = Partial<Pick<TaskRecord, 'left' | 'final_progress'>>;

/** A change's answer, and what it did for the announcements that follow its save. */
interface Outcome<T> {
  result: T;
  transition: Transition;
  registered?: string;
  removed?: TaskRecord[];
  reordered?: string;
}

/**
 * Owns the task state. Every change runs on a copy, is saved, and only then becomes the state
 * the hub serves, so a failed save changes nothing. Changes are serialised.
 */
@Injectable()
export class TasksService implements OnModuleInit {
  private readonly logger = new Logger('Tasks');
  private state: TaskState = structuredClone(EMPTY_TASK_STATE);
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: TaskStore,
    private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    const saved = await this.store.load();
    if (saved) this.state = saved;
    const current = this.view().current();
    this.logger.log(
      `task state loaded: revision ${this.state.revision}, ${this.state.tasks.length} records, current ${current?.name ?? 'none'}`,
    );
  }

  get revision(): number {
    return this.state.revision;
  }

  /** A read-only view of the present state (callers must not mutate it). */
  view(): TaskLifecycle {
    return new TaskLifecycle(this.state);
  }

  current(): TaskRecord | null {
    return this.view().current();
  }

  get(name: string): TaskRecord {
    const record = this.view().latest(name);
    if (!record) throw new NotFoundError(`Task ${name} not found`);
    return record;
  }

  /**
   * Registers a task. `admit` runs inside the serialised change, against the state the task
   * joins, so checks across tasks (queue prefixes) cannot race.
   */
  register(
    dto: TaskCreateDto,
    admit?: (record: TaskRecord, held: readonly TaskRecord[]) => void,
    facts: Pick<TaskRecord, 'existing' | 'cleared' | 'data_plane'> = {},
  ): Promise<TaskRecord> {
    this.assertImage(dto);
    const now = new Date().toISOString();
    const record = { ...recordFromDto(dto, randomUUID(), now), ...facts };
    return this.change((lc) => {
      admit?.(record, lc.state.tasks);
      const transition = lc.register(record);
      return { result: lc.state.tasks.find((t) => t.id === record.id)!, transition, registered: record.id };
    });
  }

  assertImage(dto: TaskCreateDto): void {
    if (!dto.image && (!dto.images || Object.keys(dto.images).length === 0)) {
      throw new InvalidRequestError('image or images is required');
    }
  }

  /**
   * Completes the current task, or with an expectation only the run meant (a ConflictError
   * naming the running task otherwise). The check, the facts about the run (`factsOf`, which
   * must not throw) and the change are one serialised step: no reader, no event and no saved
   * state ever shows the completed record without them. Callers go through TaskCompletion.
   */
  finish(by: CompletionCause, expected: RunExpectation, factsOf: (run: TaskRecord) => Promise<CompletionFacts>): Promise<Transition> {
    return this.change(async (lc) => {
      const now = new Date().toISOString();
      const transition = by === 'next' ? lc.next(now, expected) : lc.finish(now, by, expected);
      if (transition.completed) Object.assign(transition.completed, await factsOf(structuredClone(transition.completed)));
      return { result: transition, transition };
    });
  }

  remove(name: string): Promise<TaskRecord[]> {
    return this.change((lc) => {
      const removed = lc.remove(name);
      return { result: removed, transition: { completed: null, started: null }, removed };
    });
  }

  /** Sets a task's priority; the pending order follows at once. */
  setPriority(name: string, priority: number): Promise<TaskRecord> {
    return this.change((lc) => {
      const run = lc.setPriority(name, priority);
      return { result: run, transition: { completed: null, started: null }, reordered: run.id };
    });
  }

  /** Moves a pending task just before or after another pending one. */
  move(name: string, target: MoveTarget): Promise<TaskRecord> {
    return this.change((lc) => {
      const run = lc.move(name, target);
      return { result: run, transition: { completed: null, started: null }, reordered: run.id };
    });
  }

  /** Records extra facts about a task (what it left behind, ...) without a lifecycle change. */
  annotate(id: string, patch: Partial<Pick<TaskRecord, 'left' | 'final_progress' | 'queue_config_at' | 'data_loss' | 'scoped_users' | 'usage'>>): Promise<void> {
    return this.change((lc) => {
      const record = lc.state.tasks.find((t) => t.id === id);
      if (record) Object.assign(record, patch);
      return { result: undefined, transition: { completed: null, started: null } };
    });
  }

  private change<T>(op: (lc: TaskLifecycle) => Outcome<T> | Promise<Outcome<T>>): Promise<T> {
    const run = this.queue.then(async () => {
      const draft = new TaskLifecycle(structuredClone(this.state));
      const outcome = await op(draft);
      try {
        await this.store.save(draft.state);
      } catch (err) {
        this.logger.error(`could not save task state: ${(err as Error).message}`);
        throw new StateUnavailableError('the task state could not be saved; nothing was changed');
      }
      this.state = draft.state;
      this.announce(outcome);
      return outcome.result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private announce(outcome: Outcome<unknown>): void {
    const byId = (id: string) => this.state.tasks.find((t) => t.id === id);
    if (outcome.registered) this.bus.publish('task.registered', publicTask(byId(outcome.registered)!));
    if (outcome.reordered) this.bus.publish('task.reordered', publicTask(byId(outcome.reordered)!));
    for (const removed of outcome.removed ?? []) this.bus.publish('task.removed', publicTask(removed));
    const { completed, started } = outcome.transition;
    if (completed) this.bus.publish('task.finished', { ...publicTask(completed), revision: this.state.revision });
    if (started) this.bus.publish('task.started', { ...publicTask(started), revision: this.state.revision });
  }
}
