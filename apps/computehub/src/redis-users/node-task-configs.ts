import { Injectable } from '@nestjs/common';
import { TaskConfigDto } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { TasksService } from '../tasks/tasks.service';
import { NodeCaller } from './caller-kinds';
import { needsScopedUsers, RedisUsers } from './redis-users.service';

/**
 * The TaskConfig as one node may see it: a trusted-lab node gets it as registered; a volunteer
 * gets its own scoped Redis user in the URLs (and wherever the operator's URL appears in `env`),
 * or no task when the hub cannot create that user.
 */
@Injectable()
export class NodeTaskConfigs {
  constructor(
    private readonly tasks: TasksService,
    private readonly users: RedisUsers,
  ) {}

  async forNode(config: TaskConfigDto | null, caller: NodeCaller): Promise<TaskConfigDto | null> {
    if (!config || caller.kind === 'trusted-lab') return config;
    const task = this.tasks.current();
    if (!task || task.name !== config.task_name || !needsScopedUsers(task)) return config;
    if (!caller.nodeId) {
      throw new InvalidRequestError('node_id is required: a volunteer node gets Redis credentials of its own, bound to its node id');
    }
    const urls = await this.users.credentialsFor(task, caller.nodeId);
    if (!urls) return null;
    const replace = (value: string) => {
      let out = value;
      if (task.input_redis) out = out.split(task.input_redis).join(urls.input);
      if (task.output_redis && task.output_redis !== task.input_redis) out = out.split(task.output_redis).join(urls.output);
      return out;
    };
    const env = Object.fromEntries(Object.entries(config.env ?? {}).map(([k, v]) => [k, replace(v)]));
    return { ...config, input_redis: urls.input, output_redis: urls.output, env };
  }
}
