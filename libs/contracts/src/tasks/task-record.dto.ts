import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TaskRunSpecDto } from './task-config.dto';
import { TaskRunnabilityDto } from './task-runnability.dto';

export type TaskStatus = 'pending' | 'running' | 'completed';

export class TaskLeftDto {
  @ApiProperty({ description: 'Items still in the input and retry lists' }) pending: number;
  @ApiProperty({ description: 'Items held under lease by workers' }) in_flight: number;
}

export class TaskProgressDto {
  @ApiProperty({ description: 'Input + retry' }) pending: number;
  @ApiProperty() in_flight: number;
  @ApiProperty({ description: 'Processed total (or output length for original-style consumers)' }) done: number;
  @ApiProperty() dead: number;
  @ApiProperty() requeued: number;
  @ApiProperty() output_length: number;
  @ApiProperty() items_per_s: number;
  @ApiProperty({ nullable: true, type: Number }) eta_s: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) per_node: Record<string, number>;
  @ApiProperty({
    description: "When the sample was taken (RFC 3339), in the clock of the task's Redis server (TIME); for a failed sample, the hub's clock",
  })
  sampled_at: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the last sample failed (Redis unreachable, ...)' })
  error: string | null;
}

/** The hub saw that the task's Redis lost the queue's keys (its `P:config` run id is gone). */
export class TaskDataLossDto {
  @ApiProperty({ description: 'When the hub saw it (RFC 3339)' }) detected_at: string;
  @ApiProperty({ description: 'What the hub saw: P:config missing, or naming another run' }) reason: string;
}

/** What the task's lists held when it was registered (after `fresh` cleared them). */
export class TaskExistingDto {
  @ApiProperty({ description: 'Items already in the input list' }) input: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Items already in the output list (null: the task names no output list)' })
  output: number | null;
  @ApiProperty({ description: 'Earlier runs of this name in the hub\'s history' }) previous_runs: number;
}

/** What `fresh: true` deleted before the task was registered. */
export class TaskClearedDto {
  @ApiProperty({ description: 'Items deleted from the output list' }) output: number;
  @ApiProperty({ description: 'Protocol keys (P:*) deleted' }) protocol_keys: number;
}

/** Whether the hub can give volunteer nodes Redis users scoped to this task. */
export class TaskScopedUsersDto {
  @ApiProperty({ enum: ['ready', 'unavailable'], description: '`unavailable`: no volunteer node is handed the task until the hub can create users' })
  state: 'ready' | 'unavailable';
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why not (the operator\'s Redis user lacks ACL SETUSER or SCRIPT LOAD, Redis is down)' })
  detail: string | null;
  @ApiProperty({ description: 'When the hub last found it so (ISO time)' }) at: string;
}

/** A task as `/api` shows it: Redis passwords masked. */
export class TaskRecordDto extends TaskRunSpecDto {
  @ApiProperty({ description: 'Run id: a new one for every registration of the name' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['pending', 'running', 'completed'] }) status: TaskStatus;
  @ApiPropertyOptional({ nullable: true, type: String }) image: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) images: Record<string, string>;
  @ApiProperty({ description: 'Higher runs first among pending tasks; 0 unless set' }) priority: number;
  @ApiPropertyOptional({ nullable: true, type: Boolean }) auto_finish: boolean | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) auto_finish_grace_s: number | null;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) started_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) completed_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, enum: ['finish', 'next', 'auto_finish'] })
  completed_by: 'finish' | 'next' | 'auto_finish' | null;
  @ApiPropertyOptional({ type: TaskLeftDto, nullable: true }) left: TaskLeftDto | null;
  @ApiPropertyOptional({ type: TaskProgressDto, nullable: true }) progress: TaskProgressDto | null;
  @ApiPropertyOptional({
    type: TaskDataLossDto,
    nullable: true,
    description:
      'Set when the task\'s Redis lost its queue (restart without persistence, FLUSHALL, failover to an empty replica): auto-finish is suspended until POST /api/tasks/:name/acknowledge-data-loss',
  })
  data_loss: TaskDataLossDto | null;
  @ApiPropertyOptional({
    type: TaskRunnabilityDto,
    nullable: true,
    description:
      'For the running task: can any online node run it, and why not. For a pending task: how many online nodes could run it as the hub sees them ' +
      '(an image for their platform, enough GPUs, its constraints met), and why the others could not; null for a completed task',
  })
  runnable?: TaskRunnabilityDto | null;
  @ApiPropertyOptional({
    type: TaskExistingDto,
    nullable: true,
    description: 'What its lists held at registration; null when the hub cannot see its queue or its Redis did not answer',
  })
  existing?: TaskExistingDto | null;
  @ApiPropertyOptional({ type: TaskClearedDto, nullable: true, description: 'What `fresh` deleted at registration (null without it)' })
  cleared?: TaskClearedDto | null;
  @ApiPropertyOptional({
    enum: ['scoped', 'shared'],
    description: '`shared`: volunteer nodes get the registered Redis URLs, password included; `scoped`: each gets its own ACL user',
  })
  node_credentials?: 'scoped' | 'shared';
  @ApiPropertyOptional({
    enum: ['gateway', 'direct'],
    description: '`gateway`: volunteer nodes reach its queues through the data gateway only; `direct`: through Redis (node_credentials)',
  })
  data_plane?: 'gateway' | 'direct';
  @ApiPropertyOptional({ type: TaskScopedUsersDto, nullable: true, description: 'For a scoped task with a queue: whether the hub can create its Redis users' })
  scoped_users?: TaskScopedUsersDto | null;
}

/** `GET /api/tasks`: the original's name lists plus full records. */
export class TaskListDto {
  @ApiProperty({ nullable: true, type: String }) current: string | null;
  @ApiProperty({ type: [String] }) pending: string[];
  @ApiProperty({ type: [String] }) completed: string[];
  @ApiProperty({ type: [TaskRecordDto] }) tasks: TaskRecordDto[];
}

export class FinishResultDto {
  @ApiProperty() completed: string;
  @ApiProperty({ nullable: true, type: String }) started: string | null;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ type: TaskLeftDto, nullable: true }) left: TaskLeftDto | null;
}

export class NextResultDto {
  @ApiProperty({ description: '"none" when nothing ran' }) previous: string;
  @ApiProperty() current: string;
}

export class DeadRequeueResultDto {
  @ApiProperty() requeued: number;
}
