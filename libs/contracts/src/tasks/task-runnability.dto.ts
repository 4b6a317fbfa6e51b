import { ApiProperty } from '@nestjs/swagger';

export class NodeRefusalDto {
  @ApiProperty({ description: 'Node id' }) node: string;
  @ApiProperty() hostname: string;
  @ApiProperty({ description: 'A NotRunningDto reason: image_pull_failed, no_image_for_platform, needs_gpus, ...' }) reason: string;
  @ApiProperty() detail: string;
}

/** Whether any online node can run the running task, and why the others do not. */
export class TaskRunnabilityDto {
  @ApiProperty({ description: 'Online nodes that run the task or have not refused it' }) nodes_running: number;
  @ApiProperty({ type: [NodeRefusalDto], description: 'Online nodes that cannot run it, with their reasons (at most 50 listed)' })
  nodes_refusing: NodeRefusalDto[];
  @ApiProperty({ description: 'How many online nodes refuse it (nodes_refusing may list fewer)' }) refusing_count: number;
  @ApiProperty({ description: 'False when no online node runs it: nothing will be processed until that changes' }) runnable: boolean;
  @ApiProperty({ description: 'One line for an operator' }) summary: string;
}
