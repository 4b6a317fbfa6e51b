import type { DeadGroupSummaryDto } from '@gridcore/contracts';
import type { TaskRecord } from '../tasks/task-record';

/**
 * Port (the seam the failure grouping fills, issue 19 point 2): a run's dead items by cause.
 * Null means this hub cannot group them; the report then gives the dead count alone.
 */
export abstract class DeadItemGroups {
  abstract groupsOf(run: TaskRecord): Promise<DeadGroupSummaryDto[] | null>;
}
