import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GpuInfoDto } from './register-node.dto';
import { HostUsageDto, InstanceStatusDto, PausedDto, RUNTIME_STATUSES } from './heartbeat.dto';
import type { RuntimeStatus } from './heartbeat.dto';
import { NotRunningDto } from './not-running.dto';

/** A node as `GET /api/nodes` shows it: the original's fields, then ours. Never a token. */
export class NodeRecordDto {
  @ApiProperty() id: string;
  @ApiProperty() hostname: string;
  @ApiProperty() architecture: string;
  @ApiProperty() cpu_count: number;
  @ApiProperty({ description: 'RFC 3339' }) last_seen: string;
  @ApiProperty({ enum: ['Online', 'Offline'] }) status: 'Online' | 'Offline';
  @ApiProperty({ enum: RUNTIME_STATUSES, nullable: true }) runtime_status: RuntimeStatus | null;
  @ApiProperty({ nullable: true, type: String, description: "Why runtime_status is Error, as the node's last heartbeat said" })
  last_error: string | null;
  @ApiProperty() active_containers: number;
  @ApiProperty() platform: string;
  @ApiPropertyOptional({ nullable: true, type: String }) version: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiPropertyOptional({ nullable: true, type: Number }) memory_total_mb: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) parallelism: number | null;
  @ApiProperty({ type: [GpuInfoDto] }) gpus: GpuInfoDto[];
  @ApiPropertyOptional({ nullable: true, type: String }) task_name: string | null;
  @ApiProperty({ type: [InstanceStatusDto] }) instances: InstanceStatusDto[];
  @ApiPropertyOptional({ type: HostUsageDto, nullable: true }) usage: HostUsageDto | null;
  @ApiProperty({ description: 'RFC 3339' }) registered_at: string;
  @ApiProperty({ description: 'A stop was requested and not yet acted on' }) stopping: boolean;
  @ApiPropertyOptional({
    type: NotRunningDto,
    nullable: true,
    description: 'Why it runs none of the current task\'s containers: its own report, else what the hub sees (no image for its platform, too few GPUs)',
  })
  not_running: NotRunningDto | null;
  @ApiPropertyOptional({ type: PausedDto, nullable: true, description: "Why the node's containers are frozen now (its owner needs the machine), or null; status stays Online" })
  paused?: PausedDto | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'The parallelism an operator asked for from the hub (PATCH /api/nodes/:id); null: the node\'s own. The owner\'s policy on the node still caps it' })
  requested_parallelism?: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'RFC 3339: when the node deregistered; it stays listed as Offline until an operator removes it or node_remove_after_s passes',
  })
  left_at: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'RFC 3339: when an operator revoked the node (or its join token); a revoked id never registers again',
  })
  revoked_at?: string | null;
}
