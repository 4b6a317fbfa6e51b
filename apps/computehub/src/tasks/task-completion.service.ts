import { Injectable } from '@nestjs/common';
import { ConflictError } from '../errors/conflict.error';
import { ProgressBoard } from '../progress/progress-board';
import { RunLeftovers } from './run-leftovers';
import type { RunExpectation, Transition } from './task-lifecycle';
import type { TaskRecord } from './task-record';
import { CompletionCause, CompletionFacts, TasksService } from './tasks.service';

/**
 * Completing a task, the one way finish, next and auto-finish all take: the run's record gains
 * what it left in the same change that completes it, and its live progress is then dropped.
 */
@Injectable()
export class TaskCompletion {
  constructor(
    private readonly tasks: TasksService,
    private readonly leftovers: RunLeftovers,
    private readonly board: ProgressBoard,
  ) {}

  /** Completes the running task (or only the run `expected` names) and starts the next one. */
  async complete(by: CompletionCause, expected: RunExpectation = {}): Promise<Transition> {
    const transition = await this.tasks.finish(by, expected, (run) => (by === 'auto_finish' ? this.drained(run) : this.leftovers.read(run)));
    if (transition.completed) this.board.forget(transition.completed.id);
    return transition;
  }

  /**
   * Auto-finish of the run that was sampled drained: completes it only if it still runs (an
   * operator may have finished it meanwhile). Null when it did not complete it.
   */
  async autoFinish(runId: string): Promise<Transition | null> {
    try {
      return await this.complete('auto_finish', { id: runId });
    } catch (err) {
      if (err instanceof ConflictError) return null;
      throw err;
    }
  }

  /** The sample that decided an auto-finish saw the lists empty: nothing left, and its figures are the last. */
  private async drained(run: TaskRecord): Promise<CompletionFacts> {
    const last = this.board.get(run.id);
    return { left: { pending: 0, in_flight: 0 }, final_progress: last && { ...last, eta_s: 0 } };
  }
}
