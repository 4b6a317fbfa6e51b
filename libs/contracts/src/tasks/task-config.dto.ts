import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TaskConstraintsDto } from './task-constraints';

/** A task's queues and per-container limits: the part a node's config and a task record share. */
export class TaskRunSpecDto {
  @ApiProperty({ nullable: true, type: String }) input_redis: string | null;
  @ApiProperty({ nullable: true, type: String }) output_redis: string | null;
  @ApiProperty({ nullable: true, type: String }) input_queue: string | null;
  @ApiProperty({ nullable: true, type: String }) output_queue: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'CA (PEM) trusted for a rediss:// input or output Redis; containers get it as REDIS_TLS_CA' })
  redis_tls_ca?: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) env: Record<string, string>;
  @ApiProperty() cpus: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) memory_mb: number | null;
  @ApiProperty() gpus: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) max_containers_per_node: number | null;
  @ApiProperty() max_attempts: number;
  @ApiProperty() batch_timeout_s: number;
  @ApiPropertyOptional({
    description:
      'Present (true) only when the task opted out of the read-only root filesystem; absent means the node runs its containers hardened (read-only /, a tmpfs /tmp)',
    type: Boolean,
  })
  writable_rootfs?: true;
  @ApiPropertyOptional({
    type: TaskConstraintsDto,
    nullable: true,
    description: 'Where the task may run (node labels, least memory and CPUs, platforms); in a node\'s TaskConfig only when set',
  })
  constraints?: TaskConstraintsDto | null;
}

/**
 * What a node runs: the original's TaskConfig (`task_name`, one `image` chosen for the node's
 * platform, `redis_url: null`) plus our fields beside them. Redis URLs are whole here: only the
 * node routes carry them.
 */
export class TaskConfigDto extends TaskRunSpecDto {
  @ApiProperty() task_name: string;
  @ApiProperty() image: string;
  @ApiProperty({ nullable: true, type: String, description: 'Always null (the original\'s field)' }) redis_url: null;
  @ApiProperty({ description: 'Grid-wide task revision this config belongs to' }) revision: number;
  @ApiPropertyOptional({
    enum: ['gateway', 'direct'],
    description:
      'Only in the answers to volunteer nodes (absent for the legacy token, as in the original). `gateway`: input_redis and output_redis ' +
      'are the data gateway\'s address without user or password; the node hands each container redis://<node id>.<instance>:<secret>@<gateway>',
  })
  data_plane?: 'gateway' | 'direct';
}

/** The long-poll answer of `GET /gridnode/task?wait=S`. */
export class TaskEnvelopeDto {
  @ApiProperty() revision: number;
  @ApiProperty() stop_requested: boolean;
  @ApiProperty({ type: TaskConfigDto, nullable: true }) task: TaskConfigDto | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "Only once an operator scaled the node (PATCH /api/nodes/:id): the containers to run; null: the node's own parallelism" })
  parallelism?: number | null;
}
