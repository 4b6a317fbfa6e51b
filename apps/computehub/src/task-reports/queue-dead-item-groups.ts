import { Injectable } from '@nestjs/common';
import type { DeadGroupSummaryDto } from '@gridcore/contracts';
import { groupFailures } from '../failures/failure-groups';
import { queueRefOf, TaskQueues } from '../queues/task-queues';
import { MAX_DEAD_SCANNED } from '../tasks/task-failures.service';
import type { TaskRecord } from '../tasks/task-record';
import { DeadItemGroups } from './dead-item-groups.port';

/** The run's dead items grouped by cause, read from its queue as the failures view reads them. */
@Injectable()
export class QueueDeadItemGroups extends DeadItemGroups {
  constructor(private readonly queues: TaskQueues) {
    super();
  }

  async groupsOf(run: TaskRecord): Promise<DeadGroupSummaryDto[] | null> {
    const ref = queueRefOf(run);
    if (!ref) return null;
    const dead = await this.queues.deadWithCauses(ref, MAX_DEAD_SCANNED);
    return groupFailures(dead.items).map(({ id, signature, count }) => ({ id, signature, count }));
  }
}
