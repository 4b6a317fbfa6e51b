import { Injectable } from '@nestjs/common';
import { FailuresDto } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { groupFailures, itemsOfGroup } from '../failures/failure-groups';
import { QueueRef, queueRefOf, TaskQueues } from '../queues/task-queues';
import { TasksService } from './tasks.service';

/** How many dead items a listing or a group requeue reads (newest first): bounded work per call. */
export const MAX_DEAD_SCANNED = 100_000;

/** A task's dead items grouped by cause (issue 19.2), and the requeue of one group. */
@Injectable()
export class TaskFailures {
  constructor(
    private readonly tasks: TasksService,
    private readonly queues: TaskQueues,
  ) {}

  /** A task whose queue the hub cannot see (an image that hard-codes it) has no failures to show. */
  async list(name: string): Promise<FailuresDto> {
    const ref = queueRefOf(this.tasks.get(name));
    if (!ref) return { task: name, dead: 0, scanned: 0, groups: [] };
    const dead = await this.queues.deadWithCauses(ref, MAX_DEAD_SCANNED);
    return { task: name, dead: dead.total, scanned: dead.items.length, groups: groupFailures(dead.items) };
  }

  /** Moves the group's dead items back to the input; an id no group has moves none. */
  async requeueGroup(name: string, group: string): Promise<{ requeued: number }> {
    const ref = this.refOf(name);
    const dead = await this.queues.deadWithCauses(ref, MAX_DEAD_SCANNED);
    const items = itemsOfGroup(dead.items, group);
    return { requeued: items.length ? await this.queues.requeueDeadItems(ref, items) : 0 };
  }

  private refOf(name: string): QueueRef {
    const ref = queueRefOf(this.tasks.get(name));
    if (!ref) throw new InvalidRequestError(`Task ${name} has no queue the hub can see (input_redis and input_queue are needed)`);
    return ref;
  }
}
