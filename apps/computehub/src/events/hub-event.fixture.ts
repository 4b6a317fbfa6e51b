import type { NodeRecordDto, ProgressEventData, TaskProgressDto } from '@gridcore/contracts';

/** For unit specs: a node as events carry it, online and idle, with `fields` changed. */
export function nodeEventData(fields: Partial<NodeRecordDto> = {}): NodeRecordDto {
  return {
    id: 'n-1',
    hostname: 'h-1',
    architecture: 'x86_64',
    cpu_count: 1,
    last_seen: '2026-01-01T00:00:00.000Z',
    status: 'Online',
    runtime_status: 'Idle',
    last_error: null,
    active_containers: 0,
    platform: 'linux/amd64',
    version: null,
    labels: {},
    memory_total_mb: null,
    parallelism: null,
    gpus: [],
    task_name: null,
    instances: [],
    usage: null,
    registered_at: '2026-01-01T00:00:00.000Z',
    stopping: false,
    not_running: null,
    left_at: null,
    ...fields,
  };
}

/** For unit specs: a sample of an empty queue, with `fields` changed. */
export function progressSample(fields: Partial<TaskProgressDto> = {}): TaskProgressDto {
  return {
    pending: 0,
    in_flight: 0,
    done: 0,
    dead: 0,
    requeued: 0,
    output_length: 0,
    items_per_s: 0,
    eta_s: 0,
    per_node: {},
    sampled_at: '2026-01-01T00:00:00.000Z',
    error: null,
    ...fields,
  };
}

/** For unit specs: a `progress` event's data for run `taskId` of task `task`. */
export function progressEventData(task: string, taskId: string, fields: Partial<TaskProgressDto> = {}): ProgressEventData {
  return { task, task_id: taskId, ...progressSample(fields) };
}
