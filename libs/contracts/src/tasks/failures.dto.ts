import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** A failure group's id: the first 16 hex digits of the SHA-256 of its signature. */
export const FAILURE_GROUP_ID_PATTERN = /^[0-9a-f]{16}$/;

/** Optional body of `POST /api/tasks/:name/dead/requeue`: only the items of one failure group. */
export class DeadRequeueRequestDto {
  @ApiPropertyOptional({
    description: 'Move only the dead items of this failure group (an id from GET /api/tasks/:name/failures); an unknown id moves none',
    example: '3f2a9c01d4e5b6a7',
  })
  @IsOptional()
  @IsString()
  @Matches(FAILURE_GROUP_ID_PATTERN, { message: 'group must be 16 lowercase hex digits (an id from GET /api/tasks/:name/failures)' })
  group?: string;
}

/** One full cause as recorded for an item (issue 19.1). */
export class FailureCauseDto {
  @ApiProperty({ enum: ['error', 'hung', 'exit', 'lease', 'worker-error', 'unknown'] }) kind: string;
  @ApiProperty({ description: 'The handler\'s error message, "hung past batch_timeout_s", the container\'s exit, ...' }) message: string;
  @ApiPropertyOptional() item?: string;
  @ApiPropertyOptional() node?: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional() run?: string;
  @ApiPropertyOptional({ description: 'The image id the container ran, when known' }) image?: string;
  @ApiPropertyOptional() exit_code?: number;
  @ApiPropertyOptional() oom_killed?: boolean;
  @ApiPropertyOptional({ description: "The container's last log lines (a container that died)" }) logs?: string;
  @ApiPropertyOptional({ description: 'When, ISO 8601 (Redis time)' }) at?: string;
}

/** Dead items whose causes share one normalised signature (numbers, ids, hex, uuids, quoted values masked). */
export class FailureGroupDto {
  @ApiProperty({ description: 'Hash of the signature; pass it as {group} to dead/requeue' }) id: string;
  @ApiProperty() count: number;
  @ApiProperty({ example: 'error: value <n> out of range for item <q>' }) signature: string;
  @ApiProperty({ type: FailureCauseDto, description: 'One full cause of the group' }) example: FailureCauseDto;
  @ApiProperty({ type: [String], description: 'Up to 10 of its items' }) sample_items: string[];
  @ApiProperty({ type: [String] }) nodes: string[];
  @ApiProperty({ nullable: true, type: String }) first_seen: string | null;
  @ApiProperty({ nullable: true, type: String }) last_seen: string | null;
}

export class FailuresDto {
  @ApiProperty() task: string;
  @ApiProperty({ description: 'LLEN of the dead list' }) dead: number;
  @ApiProperty({ description: 'Dead items read (at most 100,000, newest first)' }) scanned: number;
  @ApiProperty({ type: [FailureGroupDto], description: 'Largest group first' }) groups: FailureGroupDto[];
}
