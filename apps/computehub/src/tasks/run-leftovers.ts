import type { CompletionFacts } from './tasks.service';
import type { TaskRecord } from './task-record';

/**
 * Port: what a run that is being completed left in its queues (pending, in flight) and its final
 * figures. Never throws: a queue that cannot be read gives what the hub last knew.
 */
export abstract class RunLeftovers {
  abstract read(run: TaskRecord): Promise<CompletionFacts>;
}
