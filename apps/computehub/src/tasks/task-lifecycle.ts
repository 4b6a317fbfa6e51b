import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { NotFoundError } from '../errors/not-found.error';
import { TaskRecord, TaskState } from './task-record';
import { priorityOf } from './task-views';

/** Where `move` places a task: just before or just after another pending one. */
export type MoveTarget = { before: string; after?: undefined } | { after: string; before?: undefined };

export interface Transition {
  completed: TaskRecord | null;
  started: TaskRecord | null;
}

/**
 * Which run the caller means to complete: by name (an operator, who saw it running) or by run id
 * (auto-finish, which sampled it). Empty: whatever runs, as the original.
 */
export interface RunExpectation {
  name?: string;
  id?: string;
}

/**
 * The task state machine, pending → running → completed, as pure operations on a TaskState
 * draft. The revision grows exactly when the current task changes.
 */
export class TaskLifecycle {
  constructor(readonly state: TaskState) {}

  current(): TaskRecord | null {
    return this.state.tasks.find((t) => t.id === this.state.current_id) ?? null;
  }

  /** Pending tasks in the order they will start: higher priority first, then record order. */
  pending(): TaskRecord[] {
    // Array sort is stable, so equal priorities keep registration (or moved) order.
    return this.state.tasks.filter((t) => t.status === 'pending').sort((a, b) => priorityOf(b) - priorityOf(a));
  }

  completed(): TaskRecord[] {
    return this.state.tasks.filter((t) => t.status === 'completed');
  }

  /** The latest run of a name: a pending or running one, else the newest completed one. */
  latest(name: string): TaskRecord | null {
    const runs = this.state.tasks.filter((t) => t.name === name);
    return runs.find((t) => t.status !== 'completed') ?? runs[runs.length - 1] ?? null;
  }

  /** Adds a task; it starts at once when nothing runs (as the original). */
  register(record: TaskRecord): Transition {
    const held = this.state.tasks.find((t) => t.name === record.name && t.status !== 'completed');
    if (held) throw new ConflictError(`Task ${record.name} is already ${held.status}`);
    this.state.tasks.push({ ...record, status: 'pending' });
    if (this.state.current_id === null) return { completed: null, started: this.startNext(record.created_at) };
    return { completed: null, started: null };
  }

  /**
   * Completes the running task and starts the next pending one, if any. With an expectation it
   * completes only the run meant, so two finishes sent at once complete one task, not two.
   */
  finish(now: string, by: 'finish' | 'next' | 'auto_finish', expected: RunExpectation = {}): Transition {
    const current = this.runningAsExpected(expected);
    current.status = 'completed';
    current.completed_at = now;
    current.completed_by = by;
    this.state.current_id = null;
    const started = this.startNext(now);
    if (!started) this.state.revision += 1;
    return { completed: current, started };
  }

  /** The original's `next`: completes whatever runs (or the run expected), then starts the next pending task. */
  next(now: string, expected: RunExpectation = {}): Transition {
    if (this.current() || expected.name || expected.id) return this.finish(now, 'next', expected);
    return { completed: null, started: this.startNext(now) };
  }

  /** The running task if it is the one the caller means; else the error that says which runs. */
  private runningAsExpected(expected: RunExpectation): TaskRecord {
    const current = this.current();
    const meant = expected.name ?? (expected.id ? `run ${expected.id}` : null);
    if (meant === null) {
      if (!current) throw new InvalidRequestError('No current task running');
      return current;
    }
    const matches = current && (expected.name === undefined || current.name === expected.name) && (expected.id === undefined || current.id === expected.id);
    if (matches) return current;
    const running = current ? `${current.name} is running` : 'no task is running';
    throw new ConflictError(`Task ${meant} is not the running task: ${running}`);
  }

  /** Removes the pending run of a name, or else its completed records. */
  remove(name: string): TaskRecord[] {
    const runs = this.state.tasks.filter((t) => t.name === name);
    if (runs.length === 0) throw new NotFoundError(`Task ${name} not found`);
    if (runs.some((t) => t.status === 'running')) throw new ConflictError(`Task ${name} is running; finish it first`);
    const pending = runs.filter((t) => t.status === 'pending');
    const removed = pending.length > 0 ? pending : runs;
    this.state.tasks = this.state.tasks.filter((t) => !removed.includes(t));
    return removed;
  }

  /** Sets the priority of a name's pending or running run (a completed one has no more turns). */
  setPriority(name: string, priority: number): TaskRecord {
    const run = this.latest(name);
    if (!run) throw new NotFoundError(`Task ${name} not found`);
    if (run.status === 'completed') throw new ConflictError(`Task ${name} is completed; only a pending or running task has a priority to change`);
    run.priority = priority;
    return run;
  }

  /**
   * Moves a pending task just before or after another pending one. It takes the other's
   * priority, so the order shown is the order kept: the priority sort cannot undo the move.
   */
  move(name: string, target: MoveTarget): TaskRecord {
    const other = target.before ?? target.after;
    if (other === name) throw new InvalidRequestError(`Task ${name} cannot be moved relative to itself`);
    const moving = this.pendingRun(name);
    const anchor = this.pendingRun(other);
    this.state.tasks = this.state.tasks.filter((t) => t !== moving);
    const at = this.state.tasks.indexOf(anchor) + (target.after !== undefined ? 1 : 0);
    this.state.tasks.splice(at, 0, moving);
    moving.priority = priorityOf(anchor);
    return moving;
  }

  private pendingRun(name: string): TaskRecord {
    const run = this.latest(name);
    if (!run) throw new NotFoundError(`Task ${name} not found`);
    if (run.status !== 'pending') throw new ConflictError(`Task ${name} is ${run.status}; only pending tasks can be moved`);
    return run;
  }

  private startNext(now: string): TaskRecord | null {
    const next = this.pending()[0];
    if (!next) return null;
    next.status = 'running';
    next.started_at = now;
    this.state.current_id = next.id;
    this.state.revision += 1;
    return next;
  }
}
