import { Injectable, Logger } from '@nestjs/common';
import { FinishResultDto, NextResultDto, TaskCreateDto, TaskRecordDto } from '@gridcore/contracts';
import { assertNoPrefixCollision, QueuePrefixCollisionError, queuePrefix, sameRedisServer } from '@gridcore/queue';
import { HubConfig } from '../config/hub-config';
import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { maskRedisUrl } from '../redaction/redis-urls';
import { RedisServers } from '../queues/redis-servers';
import { ClearedRun, QueueRef, queueRefOf, TaskQueues } from '../queues/task-queues';
import { assertDataPlaneServable, assertNoScopeOverlap, assertSharedAllowed } from './task-admission';
import { RunnabilityBoard } from '../runnability/runnability-board';
import { TaskCompletion } from './task-completion.service';
import type { RunExpectation } from './task-lifecycle';
import type { TaskRecord } from './task-record';
import { publicTask, recordFromDto } from './task-views';
import { TasksService } from './tasks.service';

/** The operator's task actions, shaped as the API answers them. */
@Injectable()
export class TaskCommands {
  private readonly logger = new Logger('TaskCommands');

  constructor(
    private readonly tasks: TasksService,
    private readonly completion: TaskCompletion,
    private readonly queues: TaskQueues,
    private readonly servers: RedisServers,
    private readonly runnability: RunnabilityBoard,
    private readonly config: HubConfig,
  ) {}

  async register(dto: TaskCreateDto): Promise<TaskRecordDto> {
    const { fresh, ...create } = dto;
    const url = create.input_redis ?? create.redis_url;
    if (url && create.input_queue) {
      // Looked up before the serialised change, which cannot wait on DNS.
      await this.servers.resolveAll([url, ...this.tasks.view().state.tasks.map((t) => t.input_redis).filter((u): u is string => !!u)]);
    }
    const identify = (u: string) => this.servers.identify(u);
    const stateUrl = this.config.values.state_store === 'redis' ? (this.config.values.state_redis_url ?? null) : null;
    const admit = (task: TaskRecord, held: readonly TaskRecord[]) => {
      this.assertNoKeyClash(task, held);
      assertNoScopeOverlap(task, held, identify);
      assertSharedAllowed(task, stateUrl, identify);
    };
    this.tasks.assertImage(create);
    const probe = recordFromDto(create, 'probe', new Date().toISOString(), !!this.config.gateway);
    assertDataPlaneServable(probe, !!this.config.gateway);
    const ref = queueRefOf(probe);
    let cleared: ClearedRun | null = null;
    if (fresh) {
      if (!ref) throw new InvalidRequestError('fresh needs input_redis and input_queue: the hub cannot see the queues of this task');
      // Every check that could refuse the registration runs before anything is deleted.
      admit(probe, this.tasks.view().state.tasks);
      this.assertNoneUses(create.name, ref);
      cleared = await this.queues.clearRun(ref);
      this.logger.log(`fresh ${create.name}: deleted ${cleared.output} output items and ${cleared.protocolKeys} protocol keys`);
    }
    const existing = ref ? await this.existingOf(create.name, ref) : null;
    const record = await this.tasks.register(create, admit, {
      existing,
      cleared: cleared && { output: cleared.output, protocol_keys: cleared.protocolKeys },
      data_plane: probe.data_plane,
    });
    // A task that started at once says in its answer whether any online node can run it.
    return { ...publicTask(record), runnable: this.runnability.forTask(record.id) };
  }

  /**
   * Keys of `x` and `{x}` would mix (SPEC §4) when both queues live on the same server, however
   * its URLs are written (localhost or 127.0.0.1, `/0` or none); the same queue reused run after
   * run is fine.
   */
  private assertNoKeyClash(task: TaskRecord, held: readonly TaskRecord[]): void {
    if (!task.input_queue || !task.input_redis) return;
    queuePrefix(task.input_queue); // throws for an untagged name with stray braces, clash or not
    const server = this.servers.identify(task.input_redis);
    for (const other of held) {
      if (!other.input_queue || !other.input_redis) continue;
      const otherServer = this.servers.identify(other.input_redis);
      if (!server || !otherServer || !sameRedisServer(server, otherServer)) continue;
      try {
        assertNoPrefixCollision(task.input_queue, [other.input_queue]);
      } catch (err) {
        if (!(err instanceof QueuePrefixCollisionError)) throw err;
        throw new ConflictError(
          `${err.message}, on the same Redis server as task ${other.name} (${maskRedisUrl(other.input_redis)}): their keys would mix; name the queue differently`,
        );
      }
    }
  }

  /** `fresh` must not delete what a pending or running task (this name's, or another's) relies on. */
  private assertNoneUses(name: string, ref: QueueRef): void {
    // Lists are compared by the server they live on, not by how its URL is written.
    const lists = (r: QueueRef) => [{ url: r.redisUrl, list: r.queue }, ...(r.outputQueue ? [{ url: r.outputRedisUrl, list: r.outputQueue }] : [])];
    const sameServer = (a: string, b: string) => {
      const [x, y] = [this.servers.identify(a), this.servers.identify(b)];
      return x && y ? sameRedisServer(x, y) : a === b;
    };
    const ours = lists(ref);
    const sharesOne = (theirs: QueueRef) => lists(theirs).some((t) => ours.some((o) => o.list === t.list && sameServer(o.url, t.url)));
    for (const task of this.tasks.view().state.tasks) {
      if (task.status === 'completed') continue;
      if (task.name === name) throw new ConflictError(`Task ${name} is already ${task.status}`);
      const theirs = queueRefOf(task);
      if (theirs && sharesOne(theirs)) {
        throw new ConflictError(`fresh would delete the queues of task ${task.name}, which is ${task.status} and uses the same lists`);
      }
    }
  }

  /** What the lists already hold, so reusing a name or queue never silently inherits old items. */
  private async existingOf(name: string, ref: QueueRef): Promise<TaskRecord['existing']> {
    const previousRuns = this.tasks.view().state.tasks.filter((t) => t.name === name && t.status === 'completed').length;
    try {
      const { input, output } = await this.queues.holdings(ref);
      return { input, output, previous_runs: previousRuns };
    } catch (err) {
      this.logger.warn(`could not count what the lists of task ${name} hold: ${(err as Error).message}`);
      return null;
    }
  }

  /** `POST /api/tasks/finish` (and `/:name/finish`): with a name, only if that task runs. */
  async finish(expected: RunExpectation = {}): Promise<FinishResultDto> {
    const { completed, started } = await this.completion.complete('finish', expected);
    const name = completed!.name;
    return {
      completed: name,
      started: started?.name ?? null,
      message: started ? `Task ${name} completed; started ${started.name}` : `Task ${name} completed; no pending task`,
      left: completed!.left,
    };
  }

  async next(expected: RunExpectation = {}): Promise<NextResultDto> {
    const { completed, started } = await this.completion.complete('next', expected);
    // As the original: the running task is completed even when nothing follows it.
    if (!started) throw new InvalidRequestError('No more tasks available');
    return { previous: completed?.name ?? 'none', current: started.name };
  }

  async requeueDead(name: string): Promise<{ requeued: number }> {
    const task = this.tasks.get(name);
    const ref = queueRefOf(task);
    if (!ref) throw new InvalidRequestError(`Task ${name} has no queue the hub can see (input_redis and input_queue are needed)`);
    return { requeued: await this.queues.requeueDead(ref) };
  }

  async remove(name: string): Promise<{ removed: TaskRecordDto[] }> {
    const removed = await this.tasks.remove(name);
    return { removed: removed.map((r) => publicTask(r)) };
  }
}
