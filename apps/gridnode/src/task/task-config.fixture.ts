import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';

/** A task as the hub hands it to a node, for unit specs; `over` overrides. */
export function testTaskConfig(over: Partial<TaskConfigDto> = {}): TaskConfigDto {
  return {
    task_name: 'sqrt',
    image: 'img:1',
    redis_url: null,
    input_redis: 'redis://127.0.0.1:6379',
    output_redis: null,
    input_queue: 'in',
    output_queue: 'out',
    env: {},
    cpus: 1,
    memory_mb: null,
    gpus: 0,
    max_containers_per_node: null,
    max_attempts: 3,
    batch_timeout_s: 600,
    revision: 1,
    ...over,
  };
}
