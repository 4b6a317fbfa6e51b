import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { NODE_ID_PATTERN, NODE_PAGE_MAX } from '@gridcore/contracts';

/** Query of `GET /api/nodes`. Without `limit` the answer is every record, as the original's. */
export class NodeListQueryDto {
  @ApiPropertyOptional({
    description: `A page of at most this many nodes, sorted by id (1..${NODE_PAGE_MAX}); the next page's URL is in the Link header (rel="next")`,
    minimum: 1,
    maximum: NODE_PAGE_MAX,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${NODE_PAGE_MAX}` })
  @Min(1, { message: `limit must be an integer from 1 to ${NODE_PAGE_MAX}` })
  @Max(NODE_PAGE_MAX, { message: `limit must be an integer from 1 to ${NODE_PAGE_MAX}` })
  limit?: number;

  @ApiPropertyOptional({ description: 'With limit: start after this node id (the cursor of the Link header)' })
  @IsOptional()
  @IsString({ message: 'after must be a node id' })
  @Matches(NODE_ID_PATTERN, { message: 'after must match [A-Za-z0-9._-]{1,64}' })
  after?: string;
}
