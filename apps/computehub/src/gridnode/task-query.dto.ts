import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Matches, Min } from 'class-validator';
import { NODE_ID_PATTERN } from '@gridcore/contracts';

/** Query of `GET /gridnode/task`. Without `wait` the answer is exactly the original's. */
export class TaskQueryDto {
  @ApiPropertyOptional({ example: 'linux/amd64' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, { message: 'platform must look like linux/amd64' })
  platform?: string;

  @ApiPropertyOptional({ description: 'Long-poll up to this many seconds (above 60 counts as 60)' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'wait must be a number of seconds' })
  @Min(0)
  wait?: number;

  @ApiPropertyOptional({ description: 'The revision the node already has; omitted: answer at once' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'revision must be an integer' })
  @Min(0)
  revision?: number;

  @ApiPropertyOptional({ description: 'The asking node, so a stop request wakes its poll' })
  @IsOptional()
  @IsString()
  @Matches(NODE_ID_PATTERN, { message: 'node_id must match [A-Za-z0-9._-]{1,64}' })
  node_id?: string;
}
