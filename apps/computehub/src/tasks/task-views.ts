import { DataPlane, TaskConfigDto, TaskConstraints, TaskCreateDto, TaskProgressDto, TaskRecordDto, TASK_DEFAULTS } from '@gridcore/contracts';
import { maskRedisUrl, maskRedisUrlsDeep } from '../redaction/redis-urls';
import type { TaskRecord } from './task-record';

/**
 * Builds a new pending record from a validated create body. `gateway`: whether the hub has a data
 * gateway, which is then the default data plane of a task whose queues it can serve.
 */
export function recordFromDto(dto: TaskCreateDto, id: string, now: string, gateway = false): TaskRecord {
  const inputRedis = dto.input_redis ?? dto.redis_url ?? null;
  const servable = !!inputRedis && !!dto.input_queue && !!dto.output_queue && dto.node_credentials !== 'shared';
  return {
    id,
    name: dto.name,
    status: 'pending',
    image: dto.image ?? null,
    images: dto.images ?? {},
    input_redis: inputRedis,
    output_redis: dto.output_redis ?? inputRedis,
    input_queue: dto.input_queue ?? null,
    output_queue: dto.output_queue ?? null,
    redis_tls_ca: dto.redis_tls_ca ?? null,
    env: dto.env ?? {},
    cpus: dto.cpus ?? TASK_DEFAULTS.cpus,
    memory_mb: dto.memory_mb ?? null,
    gpus: dto.gpus ?? TASK_DEFAULTS.gpus,
    // A plain copy: the validated body is a class instance.
    ...(dto.constraints ? { constraints: JSON.parse(JSON.stringify(dto.constraints)) as TaskConstraints } : {}),
    max_containers_per_node: dto.max_containers_per_node ?? null,
    priority: dto.priority ?? 0,
    max_attempts: dto.max_attempts ?? TASK_DEFAULTS.max_attempts,
    batch_timeout_s: dto.batch_timeout_s ?? TASK_DEFAULTS.batch_timeout_s,
    ...(dto.writable_rootfs ? { writable_rootfs: true as const } : {}),
    auto_finish: dto.auto_finish ?? null,
    auto_finish_grace_s: dto.auto_finish_grace_s ?? null,
    created_at: now,
    started_at: null,
    completed_at: null,
    completed_by: null,
    left: null,
    node_credentials: dto.node_credentials ?? 'scoped',
    data_plane: dto.data_plane ?? (gateway && servable ? 'gateway' : 'direct'),
  };
}

/**
 * A task as `/api` shows it: every Redis password masked, to every role, in any field (a URL in
 * `env`, an error in its progress), since users put URLs wherever their workers read them.
 */
export function publicTask(record: TaskRecord, progress: TaskProgressDto | null = null): TaskRecordDto {
  const { final_progress: finalProgress, queue_config_at: _internal, usage: _usage, ...shown } = record;
  return maskRedisUrlsDeep({
    ...shown,
    priority: priorityOf(record),
    constraints: record.constraints ?? null,
    data_loss: record.data_loss ?? null,
    redis_tls_ca: record.redis_tls_ca ?? null,
    data_plane: dataPlaneOf(record),
    input_redis: maskRedisUrl(record.input_redis),
    output_redis: maskRedisUrl(record.output_redis),
    progress: progress ?? finalProgress ?? null,
  });
}

/** The image a node of `platform` runs: its own entry, else the fallback `image`. */
export function imageFor(record: TaskRecord, platform: string | undefined): string | null {
  if (platform && record.images[platform]) return record.images[platform];
  if (record.image) return record.image;
  if (!platform) return record.images['linux/amd64'] ?? Object.values(record.images)[0] ?? null;
  return null;
}

/** The original's TaskConfig plus our fields; null when the task has no image for the platform. */
export function taskConfigFor(record: TaskRecord | null, platform: string | undefined, revision: number): TaskConfigDto | null {
  if (!record) return null;
  const image = imageFor(record, platform);
  if (!image) return null;
  return {
    task_name: record.name,
    image,
    redis_url: null,
    input_redis: record.input_redis,
    output_redis: record.output_redis,
    input_queue: record.input_queue,
    output_queue: record.output_queue,
    redis_tls_ca: record.redis_tls_ca ?? null,
    env: record.env,
    cpus: record.cpus,
    memory_mb: record.memory_mb,
    gpus: record.gpus,
    max_containers_per_node: record.max_containers_per_node,
    max_attempts: record.max_attempts,
    batch_timeout_s: record.batch_timeout_s,
    // Absent unless set, so a task that did not ask carries the original's TaskConfig unchanged.
    ...(record.writable_rootfs ? { writable_rootfs: true as const } : {}),
    ...(record.constraints ? { constraints: record.constraints } : {}),
    revision,
  };
}

/** The record's data plane; records of hubs before the gateway are direct. */
export function dataPlaneOf(record: Pick<TaskRecord, 'data_plane'>): DataPlane {
  return record.data_plane ?? 'direct';
}

/** The record's priority; records of hubs before priorities have 0. */
export function priorityOf(record: Pick<TaskRecord, 'priority'>): number {
  return record.priority ?? 0;
}
