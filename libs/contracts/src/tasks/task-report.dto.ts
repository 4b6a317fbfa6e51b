import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One group of dead items by cause (filled by the failure grouping, issue 19 point 2). */
export class DeadGroupSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() signature: string;
  @ApiProperty() count: number;
}

export class TaskReportDeadDto {
  @ApiProperty() count: number;
  @ApiProperty({ type: [DeadGroupSummaryDto], nullable: true, description: 'null while this hub has no failure grouping' })
  groups: DeadGroupSummaryDto[] | null;
}

/** What one node did for the run. */
export class TaskReportNodeDto {
  @ApiProperty() node_id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) hostname: string | null;
  @ApiProperty({ description: 'Items it processed (SDK workers count them; 0 for original-style consumers)' }) items: number;
  @ApiProperty({ description: 'CPU-seconds of its containers for this run, summed across container restarts' }) cpu_s: number;
  @ApiProperty({ description: 'GPU-seconds of its containers for this run' }) gpu_s: number;
  @ApiProperty({ description: 'Containers of this run it started' }) containers: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Seconds from the run\'s start to its first running container here' })
  switched_in_s: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Seconds from the run\'s completion until it ran none of its containers' })
  switched_out_s: number | null;
}

/** `GET /api/tasks/:name/report`. */
export class TaskReportDto {
  @ApiProperty() task: string;
  @ApiProperty() run_id: string;
  @ApiProperty({ enum: ['pending', 'running', 'completed'] }) status: string;
  @ApiProperty({ description: 'The run completed: the figures are final' }) final: boolean;
  @ApiPropertyOptional({ nullable: true, type: String }) started_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) completed_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) completed_by: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Seconds from start to completion (or until now while it runs)' })
  duration_s: number | null;
  @ApiProperty({ description: 'Items done' }) items_done: number;
  @ApiProperty() requeued: number;
  @ApiProperty({ type: TaskReportDeadDto }) dead: TaskReportDeadDto;
  @ApiProperty({ type: [TaskReportNodeDto] }) nodes: TaskReportNodeDto[];
  @ApiProperty() cpu_s: number;
  @ApiProperty() gpu_s: number;
}
