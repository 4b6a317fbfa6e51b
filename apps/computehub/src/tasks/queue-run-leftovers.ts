import { Injectable, Logger } from '@nestjs/common';
import type { TaskLeftDto } from '@gridcore/contracts';
import { NodesService } from '../nodes/nodes.service';
import { ProgressBoard } from '../progress/progress-board';
import { progressOf } from '../progress/progress-tracker';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import { RunLeftovers } from './run-leftovers';
import type { TaskRecord } from './task-record';
import type { CompletionFacts } from './tasks.service';

/** Reads the run's queues afresh when its Redis answers, else keeps its last sample. */
@Injectable()
export class QueueRunLeftovers extends RunLeftovers {
  private readonly logger = new Logger('TaskCompletion');

  constructor(
    private readonly queues: TaskQueues,
    private readonly board: ProgressBoard,
    private readonly nodes: NodesService,
  ) {
    super();
  }

  async read(run: TaskRecord): Promise<CompletionFacts> {
    const ref = queueRefOf(run);
    if (!ref) return {};
    const last = this.board.get(run.id);
    let left: TaskLeftDto | null = null;
    let final = last;
    try {
      // Registered ids only, capped, as the sampler asks (a worker cannot grow the answer).
      const snapshot = await this.queues.snapshot(ref, this.nodes.figureNodeIds());
      left = { pending: snapshot.pending, in_flight: snapshot.inFlight };
      final = { ...progressOf(snapshot, last?.items_per_s ?? 0), eta_s: null };
    } catch (err) {
      this.logger.warn(`could not read what task ${run.name} left: ${(err as Error).message}`);
    }
    return { left, final_progress: final };
  }
}
