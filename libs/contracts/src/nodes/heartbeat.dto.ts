import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { NODE_RECORD_LIMITS } from '../defaults';
import { NODE_ID_PATTERN, TASK_NAME_PATTERN } from '../names';
import { OptionalListOf, OptionalObjectOf } from '../validators';
import { NotRunningDto } from './not-running.dto';

export const RUNTIME_STATUSES = ['Running', 'Idle', 'Error'] as const;
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

export const INSTANCE_STATES = ['starting', 'running', 'waiting', 'backoff', 'stopping', 'error'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** What one container used so far, cumulative since it started (read by the node from Docker / nvidia-smi). */
export class InstanceUsageDto {
  @ApiProperty({ description: 'CPU-seconds the container used since it started' }) @IsNumber() @Min(0) cpu_s: number;
  @ApiProperty({ description: 'GPU-seconds (GPU busy time summed over its GPUs) since it started' }) @IsNumber() @Min(0) gpu_s: number;
}

export class InstanceStatusDto {
  @ApiProperty() @IsInt() @Min(0) @Max(4096) instance: number;
  @ApiProperty({ enum: INSTANCE_STATES }) @IsIn(INSTANCE_STATES) state: InstanceState;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'container_id must match [A-Za-z0-9_.-]{1,128}' })
  container_id?: string;
  @ApiProperty() @IsInt() @Min(0) restarts: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) @IsOptional() @IsInt() last_exit_code?: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(NODE_RECORD_LIMITS.string_length) last_error?: string | null;
  @ApiPropertyOptional({ type: InstanceUsageDto })
  @OptionalObjectOf(InstanceUsageDto, 'usage')
  usage?: InstanceUsageDto;
}

export class GpuUsageDto {
  @ApiProperty() @IsInt() @Min(0) @Max(1024) index: number;
  @ApiProperty() @IsNumber() @Min(0) @Max(100) util_pct: number;
  @ApiProperty() @IsNumber() @Min(0) mem_used_mib: number;
  @ApiProperty() @IsNumber() @Min(0) mem_total_mib: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() temperature_c?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) power_w?: number;
}

export class HostUsageDto {
  @ApiProperty() @IsNumber() @Min(0) @Max(100) cpu_pct: number;
  @ApiProperty() @IsNumber() @Min(0) @Max(100) mem_pct: number;
  @ApiProperty() @IsNumber() @Min(0) load1: number;
  @ApiProperty() @IsNumber() @Min(0) load5: number;
  @ApiProperty() @IsNumber() @Min(0) load15: number;
  @ApiPropertyOptional({ description: "The node's load value: max(owner CPU %, memory %), 0..100" })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  load?: number;
  @ApiPropertyOptional({ type: [GpuUsageDto] })
  @OptionalListOf(GpuUsageDto, NODE_RECORD_LIMITS.gpus)
  gpus?: GpuUsageDto[];
}

/** Reasons a node pauses (issue 20); the wire takes any snake_case word so a newer node's reason passes an older hub. */
export const PAUSE_REASONS = ['owner_busy', 'outside_hours', 'on_battery', 'by_hand'] as const;
export const PAUSE_REASON_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** Why and since when a node holds its containers frozen (its owner needs the machine). */
export class PausedDto {
  @ApiProperty({ description: `Why, as a snake_case word; known: ${PAUSE_REASONS.join(', ')}`, example: 'owner_busy' })
  @IsString()
  @Matches(PAUSE_REASON_PATTERN, { message: 'paused.reason must be a snake_case word of at most 64 characters, such as owner_busy' })
  reason: string;

  @ApiProperty({ description: 'RFC 3339: when the pause began' })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, { message: 'paused.since must be an RFC 3339 time such as 2026-01-02T03:04:05Z' })
  since: string;
}

/** `POST /gridnode/heartbeat`: the original's three fields, then ours (optional). */
export class HeartbeatDto {
  @ApiProperty()
  @IsString()
  @Matches(NODE_ID_PATTERN, { message: 'node_id must match [A-Za-z0-9._-]{1,64}' })
  node_id: string;

  @ApiProperty({ enum: RUNTIME_STATUSES }) @IsIn(RUNTIME_STATUSES) status: RuntimeStatus;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Why `status` is `Error` (e.g. the Docker engine cannot be reached), null otherwise',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  last_error?: string | null;

  @ApiProperty() @IsInt() @Min(0) @Max(100_000) active_containers: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'task_name must match [a-zA-Z0-9._-]{1,64}' })
  task_name?: string | null;

  @ApiPropertyOptional({
    type: [InstanceStatusDto],
    maxItems: NODE_RECORD_LIMITS.instances,
    description: `At most the node's parallelism (when it registered one) and ${NODE_RECORD_LIMITS.instances}`,
  })
  @OptionalListOf(InstanceStatusDto, NODE_RECORD_LIMITS.instances)
  instances?: InstanceStatusDto[];

  @ApiPropertyOptional({ type: HostUsageDto })
  @OptionalObjectOf(HostUsageDto, 'usage')
  usage?: HostUsageDto;

  @ApiPropertyOptional({ type: NotRunningDto, nullable: true, description: 'Why the node runs none of the current task\'s containers; null when it runs them' })
  @OptionalObjectOf(NotRunningDto, 'not_running')
  not_running?: NotRunningDto | null;

  @ApiPropertyOptional({
    type: PausedDto,
    nullable: true,
    description: "Why the node holds its containers frozen (owner busy, outside hours, on battery, by hand); null when it runs. The node stays alive: it beats and keeps its batches' leases",
  })
  @OptionalObjectOf(PausedDto, 'paused')
  paused?: PausedDto | null;
}

export class HeartbeatResultDto {
  @ApiProperty() stop_requested: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number, description: "Only once an operator scaled the node (PATCH /api/nodes/:id): the containers to run; null: the node's own parallelism" })
  parallelism?: number | null;
}

export class DeregisterDto {
  @ApiProperty()
  @IsString()
  @Matches(NODE_ID_PATTERN, { message: 'node_id must match [A-Za-z0-9._-]{1,64}' })
  node_id: string;
}
