import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { NODE_RECORD_LIMITS } from '../defaults';
import { ARCHITECTURE_PATTERN, NODE_ID_PATTERN, PRINTABLE_LINE_PATTERN } from '../names';
import { IsStringMap, OptionalListOf } from '../validators';

export class GpuInfoDto {
  @ApiProperty() @IsInt() @Min(0) @Max(1024) index: number;
  @ApiProperty({ example: 'NVIDIA H100 80GB HBM3' })
  @IsString()
  @MaxLength(200)
  @Matches(PRINTABLE_LINE_PATTERN, { message: 'name must be one line of printable text' })
  name: string;
  @ApiProperty() @IsInt() @Min(0) @Max(16_777_216) memory_total_mib: number;
}

/** `POST /gridnode/register`: the original's four fields, then ours (optional). */
export class RegisterNodeDto {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'A saved id, or null for a new one' })
  @IsOptional()
  @IsString()
  @Matches(NODE_ID_PATTERN, { message: 'node_id must match [A-Za-z0-9._-]{1,64}' })
  node_id?: string | null;

  @ApiProperty({ example: 'worker-01' })
  @IsString()
  @MaxLength(255)
  @Matches(PRINTABLE_LINE_PATTERN, { message: 'hostname must be one line of printable text' })
  hostname: string;

  @ApiProperty({ example: 'x86_64', description: 'x86_64, aarch64, arm, ...' })
  @IsString()
  @Matches(ARCHITECTURE_PATTERN, { message: 'architecture must match [A-Za-z0-9_.-]{1,32} (x86_64, aarch64, arm, ...)' })
  architecture: string;

  @ApiProperty({ example: 8 }) @IsInt() @Min(0) @Max(1_000_000) cpu_count: number;

  @ApiPropertyOptional({ example: 'linux/amd64' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, { message: 'platform must look like linux/amd64' })
  platform?: string;

  @ApiPropertyOptional({ example: '0.1.0' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(PRINTABLE_LINE_PATTERN, { message: 'version must be one line of printable text' })
  version?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { zone: 'lab' } })
  @IsOptional()
  @IsStringMap(/^[A-Za-z0-9._\/-]{1,63}$/, {
    maxEntries: NODE_RECORD_LIMITS.labels,
    maxValueLength: NODE_RECORD_LIMITS.string_length,
  })
  labels?: Record<string, string>;

  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) memory_total_mb?: number;

  @ApiPropertyOptional({ description: 'Containers the operator asked this node to run' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4096)
  parallelism?: number;

  @ApiPropertyOptional({ type: [GpuInfoDto], maxItems: NODE_RECORD_LIMITS.gpus })
  @OptionalListOf(GpuInfoDto, NODE_RECORD_LIMITS.gpus)
  gpus?: GpuInfoDto[];
}

export class RegisterNodeResultDto {
  @ApiProperty() node_id: string;
  @ApiProperty({ nullable: true, description: 'The TaskConfig of the running task, or null' })
  current_task: unknown;
  @ApiPropertyOptional({
    description:
      'Only when registered with a join token: the credential bound to this node id (`gcn_<id>_<secret>`), for every later call. ' +
      'Shown once; the hub keeps its SHA-256 digest.',
  })
  node_token?: string;
}
