import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { CONTAINER_LOG_LIMITS, NODE_ID_PATTERN } from '@gridcore/contracts';
import { InvalidRequestError } from '../errors/invalid-request.error';

/** Query of `GET /api/nodes/:id/logs` (numbers as the query's text: one clear message each; ranges checked by {@link logsWant}). */
export class NodeLogsQueryDto {
  @ApiPropertyOptional({ description: 'One instance (INSTANCE_ID, 0 to 4096); omitted: every instance' })
  @IsOptional()
  @Matches(/^\d{1,4}$/, { message: 'instance must be an integer from 0 to 4096' })
  instance?: string;

  @ApiPropertyOptional({ description: `Last lines per container (default 200, 1 to ${CONTAINER_LOG_LIMITS.max_tail_lines})` })
  @IsOptional()
  @Matches(/^\d{1,5}$/, { message: `tail must be an integer from 1 to ${CONTAINER_LOG_LIMITS.max_tail_lines}` })
  tail?: string;

  @ApiPropertyOptional({ enum: ['1', '0', 'true', 'false'], description: '1: stream the output as server-sent events until the caller leaves' })
  @IsOptional()
  @IsIn(['1', '0', 'true', 'false'], { message: 'follow must be 1, 0, true or false' })
  follow?: string;
}

/** The instance and tail a query asks for, in range, or the error that names the field. */
export function logsWant(query: NodeLogsQueryDto, defaultTail: number): { instance: number | null; tail: number } {
  const instance = query.instance === undefined ? null : Number(query.instance);
  if (instance !== null && instance > 4096) throw new InvalidRequestError('instance must be an integer from 0 to 4096');
  const tail = query.tail === undefined ? defaultTail : Number(query.tail);
  if (tail < 1 || tail > CONTAINER_LOG_LIMITS.max_tail_lines) throw new InvalidRequestError(`tail must be an integer from 1 to ${CONTAINER_LOG_LIMITS.max_tail_lines}`);
  return { instance, tail };
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
