import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { TASK_NAME_PATTERN } from '../names';

/**
 * Optional body of `POST /api/tasks/finish` and `/next`: the task the caller means. Without it
 * they complete whatever runs, as the original; with it only that task, else 409.
 */
export class FinishRequestDto {
  @ApiPropertyOptional({
    description: 'Complete this task only if it is the running one; otherwise 409 naming the running task',
    example: 'sqrt-calc',
  })
  @IsOptional()
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'name must match [a-zA-Z0-9._-]{1,64}' })
  name?: string;
}
