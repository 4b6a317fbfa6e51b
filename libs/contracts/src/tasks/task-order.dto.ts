import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { TASK_NAME_PATTERN } from '../names';

/** Bounds of a task's priority: wide enough for any scheme, small enough to stay exact in JSON. */
export const TASK_PRIORITY_MIN = -1_000_000;
export const TASK_PRIORITY_MAX = 1_000_000;

/** Body of `PATCH /api/tasks/:name`. */
export class TaskPriorityDto {
  @ApiProperty({ description: 'Higher runs first among pending tasks', example: 10 })
  @IsDefined({ message: 'priority is required' })
  @IsInt({ message: 'priority must be an integer' })
  @Min(TASK_PRIORITY_MIN)
  @Max(TASK_PRIORITY_MAX)
  priority: number;
}

/** Body of `POST /api/tasks/:name/move`: exactly one of before / after, naming another pending task. */
export class TaskMoveDto {
  @ApiPropertyOptional({ description: 'Place the task just before this pending task', example: 'sqrt-calc' })
  @IsOptional()
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'before must match [a-zA-Z0-9._-]{1,64}' })
  before?: string;

  @ApiPropertyOptional({ description: 'Place the task just after this pending task' })
  @IsOptional()
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'after must match [a-zA-Z0-9._-]{1,64}' })
  after?: string;
}

/** What a reorder did: the task's priority now and the pending order it made. */
export class TaskOrderResultDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Its priority now (a move takes the priority of the task it is placed next to)' }) priority: number;
  @ApiProperty({ type: [String], description: 'The pending task names in the order they will start' }) pending: string[];
}
