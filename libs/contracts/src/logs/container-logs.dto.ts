import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { NODE_ID_PATTERN } from '../names';
import { OptionalListOf } from '../validators';

/** What a node keeps of each container's output (stdout and stderr, interleaved as written). */
export const CONTAINER_LOG_LIMITS = {
  /** Bytes kept per container: the last 64 KiB. */
  bytes_per_container: 64 * 1024,
  /** Containers kept per instance: the running one and the last ones that exited. */
  containers_per_instance: 3,
  /** Instances one answer may carry. */
  instances: 64,
  /** Lines a caller may ask for. */
  max_tail_lines: 10_000,
  /** Bytes of text one follow chunk may carry. */
  chunk_bytes: 64 * 1024,
} as const;

export const LOG_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What the hub asks a node for, carried by the node's own long-poll (`GET /gridnode/logs/requests`). */
export class LogRequestDto {
  @ApiProperty({ description: 'Names the answer' }) id: string;
  @ApiProperty({ nullable: true, type: Number, description: 'One instance, or null for every instance' }) instance: number | null;
  @ApiProperty({ description: 'Last lines per container' }) tail: number;
  @ApiProperty({ description: 'Keep sending new output until the hub says stop' }) follow: boolean;
}

/** `GET /gridnode/logs/requests`: what to answer, and follow sessions the hub no longer wants. */
export class LogRequestsEnvelopeDto {
  @ApiProperty({ type: [LogRequestDto] }) requests: LogRequestDto[];
  @ApiProperty({ type: [String], description: 'Follow sessions to end' }) cancelled: string[];
}

/** One container's kept output. */
export class ContainerLogDto {
  @ApiProperty() @IsInt() @Min(0) @Max(4096) instance: number;
  @ApiProperty()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'container_id must match [A-Za-z0-9_.-]{1,128}' })
  container_id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(64) task: string | null;
  @ApiProperty({ description: 'When it started (RFC 3339)' }) @IsString() @MaxLength(40) started_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(40) exited_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) @IsOptional() @IsInt() exit_code: number | null;
  @ApiProperty() @IsBoolean() running: boolean;
  @ApiProperty({ description: 'Older output was dropped (only the last 64 KiB are kept)' }) @IsBoolean() truncated: boolean;
  @ApiProperty({ description: 'stdout and stderr as written' })
  @IsString()
  @MaxLength(CONTAINER_LOG_LIMITS.bytes_per_container)
  text: string;
}

/** New output of one container while a follow runs. */
export class ContainerLogChunkDto {
  @ApiProperty() @IsInt() @Min(0) @Max(4096) instance: number;
  @ApiProperty()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'container_id must match [A-Za-z0-9_.-]{1,128}' })
  container_id: string;
  @ApiProperty() @IsString() @MaxLength(CONTAINER_LOG_LIMITS.chunk_bytes) text: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Set when the container exited' })
  @IsOptional()
  @IsInt()
  exit_code?: number | null;
}

/** `POST /gridnode/logs/answers`: a node answers a log request (or sends a follow's new output). */
export class LogAnswerDto {
  @ApiProperty()
  @IsString()
  @Matches(NODE_ID_PATTERN, { message: 'node_id must match [A-Za-z0-9._-]{1,64}' })
  node_id: string;
  @ApiProperty()
  @IsString()
  @Matches(LOG_REQUEST_ID_PATTERN, { message: 'request_id must match [A-Za-z0-9_-]{1,64}' })
  request_id: string;
  @ApiPropertyOptional({ type: [ContainerLogDto], description: 'The kept output (first answer)' })
  @OptionalListOf(ContainerLogDto, CONTAINER_LOG_LIMITS.instances * CONTAINER_LOG_LIMITS.containers_per_instance)
  containers?: ContainerLogDto[];
  @ApiPropertyOptional({ type: [ContainerLogChunkDto], description: 'New output (follow)' })
  @OptionalListOf(ContainerLogChunkDto, CONTAINER_LOG_LIMITS.instances)
  chunks?: ContainerLogChunkDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the node cannot answer' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  error?: string | null;
}

export class LogAnswerResultDto {
  @ApiProperty({ description: 'false: the hub no longer wants this request (a follow ends)' }) continue: boolean;
}

/** `GET /api/nodes/:id/logs`. */
export class NodeLogsDto {
  @ApiProperty() node_id: string;
  @ApiProperty({ description: 'Milliseconds from the request to the node\'s answer' }) round_trip_ms: number;
  @ApiProperty({ type: [ContainerLogDto] }) containers: ContainerLogDto[];
}

export const LOG_STREAM_EVENTS = ['containers', 'chunk', 'end', 'ping'] as const;
export type LogStreamEvent = (typeof LOG_STREAM_EVENTS)[number];
export const isLogStreamEvent = (v: string): v is LogStreamEvent => (LOG_STREAM_EVENTS as readonly string[]).includes(v);
