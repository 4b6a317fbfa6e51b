import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CONTAINER_LOG_LIMITS, NODE_ID_PATTERN } from '@gridcore/contracts';

/** Query of `GET /api/nodes/:id/logs`. */
export class NodeLogsQueryDto {
  @ApiPropertyOptional({ description: 'One instance (INSTANCE_ID); omitted: every instance' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'instance must be an integer from 0 to 4096' })
  @Min(0, { message: 'instance must be an integer from 0 to 4096' })
  @Max(4096, { message: 'instance must be an integer from 0 to 4096' })
  instance?: number;

  @ApiPropertyOptional({ description: `Last lines per container (default 200, at most ${CONTAINER_LOG_LIMITS.max_tail_lines})` })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `tail must be an integer from 1 to ${CONTAINER_LOG_LIMITS.max_tail_lines}` })
  @Min(1, { message: `tail must be an integer from 1 to ${CONTAINER_LOG_LIMITS.max_tail_lines}` })
  @Max(CONTAINER_LOG_LIMITS.max_tail_lines, { message: `tail must be an integer from 1 to ${CONTAINER_LOG_LIMITS.max_tail_lines}` })
  tail?: number;

  @ApiPropertyOptional({ enum: ['1', '0', 'true', 'false'], description: '1: stream the output as server-sent events until the caller leaves' })
  @IsOptional()
  @IsIn(['1', '0', 'true', 'false'], { message: 'follow must be 1, 0, true or false' })
  follow?: string;
}

/** Query of `GET /gridnode/logs/requests`. */
export class LogPollQueryDto {
  @ApiPropertyOptional()
  @IsString({ message: 'node_id is required' })
  @Matches(NODE_ID_PATTERN, { message: 'node_id must match [A-Za-z0-9._-]{1,64}' })
  node_id: string;

  @ApiPropertyOptional({ description: 'Long-poll up to this many seconds (above 60 counts as 60)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'wait must be an integer number of seconds' })
  @Min(0)
  wait?: number;
}
