import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { TaskConstraintsDto } from './task-constraints';
import { TASK_NAME_PATTERN } from '../names';
import { TASK_PRIORITY_MAX, TASK_PRIORITY_MIN } from './task-order.dto';
import { IsPemCertificates, IsRedisUrl, IsStringMap } from '../validators';

/** How volunteer nodes reach a task's Redis: their own scoped ACL user, or the registered URLs. */
export const NODE_CREDENTIALS = ['scoped', 'shared'] as const;
export type NodeCredentials = (typeof NODE_CREDENTIALS)[number];

/** How volunteer nodes' containers reach a task's queues: through the hub's data gateway, or Redis itself. */
export const DATA_PLANES = ['gateway', 'direct'] as const;
export type DataPlane = (typeof DATA_PLANES)[number];

const QUEUE_NAME_PATTERN = /^[^\s]{1,200}$/;
const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
/** A Docker image reference: registry/repo:tag or @digest, no spaces or control characters. */
export const IMAGE_REF_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._\-\/:@]{0,511}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Body of `POST /api/tasks`: the original's fields first, then ours (all optional). */
export class TaskCreateDto {
  @ApiProperty({ description: 'Unique among pending and running tasks; [a-zA-Z0-9._-]{1,64}', example: 'sqrt-calc' })
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'name must match [a-zA-Z0-9._-]{1,64}' })
  name: string;

  @ApiPropertyOptional({ description: 'Container image (fallback for platforms not in `images`)', example: 'idm-task:sqrt' })
  @IsOptional()
  @IsString()
  @Matches(IMAGE_REF_PATTERN, { message: 'image must be an image reference such as registry/name:tag' })
  image?: string;

  @ApiPropertyOptional({
    description: 'Image per platform (linux/amd64, linux/arm64, linux/arm/v7)',
    example: { 'linux/amd64': 'idm-task:sqrt', 'linux/arm64': 'idm-task:sqrt-arm64' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsStringMap(PLATFORM_PATTERN, { maxEntries: 16, maxValueLength: 512, valuePattern: IMAGE_REF_PATTERN })
  images?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Legacy field of the original; used as input/output Redis when those are absent', nullable: true })
  @IsOptional()
  @IsRedisUrl()
  redis_url?: string | null;

  @ApiPropertyOptional({ description: 'Redis URL of the input queue', example: 'redis://:password@127.0.0.1:6379' })
  @IsOptional()
  @IsRedisUrl()
  input_redis?: string;

  @ApiPropertyOptional({ description: 'Redis URL of the output queue (default: input_redis)' })
  @IsOptional()
  @IsRedisUrl()
  output_redis?: string;

  @ApiPropertyOptional({
    description:
      'CA certificate(s), PEM, that signed the certificate of a rediss:// input or output Redis. Trusted beside the system CAs ' +
      'by the hub, by gridctl and, as env REDIS_TLS_CA, by the task\'s containers (both SDKs). Public data: shown in the task record',
    example: '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n',
  })
  @IsOptional()
  @IsPemCertificates()
  redis_tls_ca?: string;

  @ApiPropertyOptional({ description: 'Input list name', example: 'sqrt:input' })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_NAME_PATTERN, { message: 'input_queue must be 1-200 characters without whitespace' })
  input_queue?: string;

  @ApiPropertyOptional({ description: 'Output list name', example: 'sqrt:output' })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_NAME_PATTERN, { message: 'output_queue must be 1-200 characters without whitespace' })
  output_queue?: string;

  @ApiPropertyOptional({ description: 'Extra container environment', type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsStringMap(ENV_NAME_PATTERN, { maxEntries: 128, maxValueLength: 4096 })
  env?: Record<string, string>;

  @ApiPropertyOptional({ description: 'CPUs per container (fractions allowed)', default: 1, example: 0.5 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1024)
  cpus?: number;

  @ApiPropertyOptional({ description: 'Memory limit per container, MB (default: the node\'s container_memory)' })
  @IsOptional()
  @IsInt()
  @Min(6)
  @Max(16_777_216)
  memory_mb?: number;

  @ApiPropertyOptional({ description: 'GPUs per container', default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(64)
  gpus?: number;

  @ApiPropertyOptional({ type: TaskConstraintsDto, description: 'Where it may run: node labels, least memory and CPUs, platforms' })
  @IsOptional()
  @IsObject({ message: 'constraints must be an object' })
  @ValidateNested()
  @Type(() => TaskConstraintsDto)
  constraints?: TaskConstraintsDto;

  @ApiPropertyOptional({ description: 'Upper bound on containers per node' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4096)
  max_containers_per_node?: number;

  @ApiPropertyOptional({
    description:
      'Let containers write anywhere in their root filesystem. By default a node runs task containers hardened: ' +
      'every capability dropped, no-new-privileges, a pids limit, and a read-only root filesystem with a writable tmpfs /tmp. ' +
      'Set true for an image that must write outside /tmp (the other hardening stays)',
    default: false,
  })
  @IsOptional()
  @IsBoolean({ message: 'writable_rootfs must be true or false' })
  writable_rootfs?: boolean;

  @ApiPropertyOptional({
    description: 'Where it waits among pending tasks: higher first, then registration order (or as moved)',
    default: 0,
  })
  @IsOptional()
  @IsInt({ message: 'priority must be an integer' })
  @Min(TASK_PRIORITY_MIN)
  @Max(TASK_PRIORITY_MAX)
  priority?: number;

  @ApiPropertyOptional({ description: 'Failed attempts before an item goes to the dead list', default: 3 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_attempts?: number;

  @ApiPropertyOptional({ description: 'Longest a batch may be held, seconds', default: 600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(604_800)
  batch_timeout_s?: number;

  @ApiPropertyOptional({ description: 'Finish automatically once the queues are drained (default: hub-wide setting)' })
  @IsOptional()
  @IsBoolean()
  auto_finish?: boolean;

  @ApiPropertyOptional({ description: 'Quiet time before auto-finish, seconds (default: hub-wide setting)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  auto_finish_grace_s?: number;

  @ApiPropertyOptional({
    description:
      'Start clean: before registering, delete the output list and every protocol key of the input queue ' +
      '(P:* — retry, dead, attempts, stats, config, leases, batches) left by earlier runs; the input list stays. ' +
      'Refused (409) while a pending or running task uses the same input or output list, and 503 when that Redis does not answer',
    default: false,
  })
  @IsOptional()
  @IsBoolean({ message: 'fresh must be true or false' })
  fresh?: boolean;

  @ApiPropertyOptional({
    enum: NODE_CREDENTIALS,
    default: 'scoped',
    description:
      'What a volunteer node (one not using the legacy shared token) gets to reach the task\'s Redis. `scoped` (the default): ' +
      'a Redis ACL user of its own, limited to this task\'s keys and the protocol\'s commands; if the hub cannot create one, ' +
      'no volunteer gets the task and the record says why. `shared`: the URLs as registered, password included, as the original did ' +
      '(refused for a task on the hub\'s own state-store Redis)',
  })
  @IsOptional()
  @IsIn(NODE_CREDENTIALS, { message: 'node_credentials must be "scoped" or "shared"' })
  node_credentials?: NodeCredentials;

  @ApiPropertyOptional({
    enum: DATA_PLANES,
    description:
      'How volunteer nodes reach the task\'s queues. `gateway`: through the data gateway (volunteers never touch Redis; the default ' +
      'when the hub has a gateway, gateway_bind or gateway_url, and the task has input_redis and input_queue). `direct`: Redis itself, ' +
      'as node_credentials says. Trusted-lab nodes (the legacy token) always get the Redis URLs as registered',
  })
  @IsOptional()
  @IsIn(DATA_PLANES, { message: 'data_plane must be "gateway" or "direct"' })
  data_plane?: DataPlane;
}
