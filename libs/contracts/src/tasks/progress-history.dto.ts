import { ApiProperty } from '@nestjs/swagger';

/** One progress sample as the throughput history keeps it. */
export class ProgressSampleDto {
  @ApiProperty({ description: 'When the hub sampled the queue (RFC 3339)' }) at: string;
  @ApiProperty() task: string;
  @ApiProperty({ description: 'Run id' }) task_id: string;
  @ApiProperty({ description: 'Items per second, over the sampler\'s sliding window' }) items_per_s: number;
  @ApiProperty() done: number;
  @ApiProperty() pending: number;
  @ApiProperty() in_flight: number;
}

/** `GET /api/progress/history`: the last minutes of samples, oldest first. */
export class ProgressHistoryDto {
  @ApiProperty({ description: 'How far back the history reaches, s' }) window_s: number;
  @ApiProperty({ type: [ProgressSampleDto] }) samples: ProgressSampleDto[];
}
