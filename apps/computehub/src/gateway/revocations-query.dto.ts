import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Query of `GET /gateway/revocations`. */
export class RevocationsQueryDto {
  @ApiPropertyOptional({ description: 'The cursor of the previous answer; omitted: learn the present one' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{12}:\d{1,15}$/, { message: 'cursor must be the cursor of a previous answer (<boot>:<number>)' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Long-poll up to this many seconds for a revocation (0 to 60)' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'wait must be a number of seconds' })
  @Min(0)
  @Max(60)
  wait?: number;
}
