import { Injectable } from '@nestjs/common';
import { TaskConfigDto } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { InvalidRequestError } from '../errors/invalid-request.error';
import type { TaskRecord } from '../tasks/task-record';
import { dataPlaneOf } from '../tasks/task-views';
import { TasksService } from '../tasks/tasks.service';
import { NodeCaller } from './caller-kinds';
import { needsScopedUsers, RedisUsers } from './redis-users.service';

/**
 * The TaskConfig as one node may see it: a trusted-lab node gets it as registered (the original's
 * bytes, no `data_plane`); a volunteer of a gateway task gets the gateway's address without user or
 * password; a volunteer of a direct task its own scoped Redis user in the URLs (and wherever the
 * operator's URL appears in `env`), or no task when the hub cannot create that user.
 */
@Injectable()
export class NodeTaskConfigs {
  constructor(
    private readonly tasks: TasksService,
    private readonly users: RedisUsers,
    private readonly config: HubConfig,
  ) {}

  async forNode(config: TaskConfigDto | null, caller: NodeCaller): Promise<TaskConfigDto | null> {
    if (!config || caller.kind === 'trusted-lab') return config;
    const task = this.tasks.current();
    if (!task || task.name !== config.task_name) return config;
    if (dataPlaneOf(task) === 'gateway') return this.throughGateway(config, task);
    if (!needsScopedUsers(task)) return { ...config, data_plane: 'direct' };
    if (!caller.nodeId) {
      throw new InvalidRequestError('node_id is required: a volunteer node gets Redis credentials of its own, bound to its node id');
    }
    const urls = await this.users.credentialsFor(task, caller.nodeId);
    if (!urls) return null;
    return { ...withUrls(config, task, urls), data_plane: 'direct' };
  }

  /** The gateway's bare address in place of the task's Redis, everywhere; null when this hub has no gateway any more. */
  private throughGateway(config: TaskConfigDto, task: TaskRecord): TaskConfigDto | null {
    const gateway = this.config.gateway;
    if (!gateway) return null;
    // The gateway speaks its own TLS: the task Redis's CA means nothing to a container there.
    return { ...withUrls(config, task, { input: gateway.publicUrl, output: gateway.publicUrl }), redis_tls_ca: null, data_plane: 'gateway' };
  }
}

/** `config` with the task's Redis URLs replaced, in the URL fields and in `env`. */
function withUrls(config: TaskConfigDto, task: TaskRecord, urls: { input: string; output: string }): TaskConfigDto {
  const replace = (value: string) => {
    let out = value;
    if (task.input_redis) out = out.split(task.input_redis).join(urls.input);
    if (task.output_redis && task.output_redis !== task.input_redis) out = out.split(task.output_redis).join(urls.output);
    return out;
  };
  const env = Object.fromEntries(Object.entries(config.env ?? {}).map(([k, v]) => [k, replace(v)]));
  return { ...config, input_redis: urls.input, output_redis: urls.output, env };
}
