import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { TASK_NAME_PATTERN } from '../names';

/**
 * Why a node runs none of the current task's containers. Known reasons:
 * - `image_pull_failed`: the image could not be pulled (detail: Docker's message);
 * - `no_image_for_platform`: the task's `images` has no entry for the node's platform and no `image`;
 * - `needs_gpus`: a container needs more GPUs than the node has;
 * - `container_start_failed`: Docker refused to create or start the container;
 * - `docker_unavailable`: the node cannot reach its Docker engine;
 * - `image_not_allowed`: the image matches none of the node's `allowed_images`;
 * - `image_digest_required`: the node has `require_digest` and the image is named by tag only;
 * - `gpus_not_allowed`: the task asks for GPUs and the node has `allow_gpus = false`;
 * - `redis_users_unavailable`: the hub cannot create the Redis user a volunteer node needs (hub-derived);
 * - `constraints_not_met`: the node's labels, memory, CPUs or platform miss the task's `constraints` (detail says which);
 * - `refused`: any other reason the node declines the task (detail says which).
 * The list grows (node identity and scheduling add theirs), so the wire accepts any snake_case
 * word: an older hub must not reject a newer node's heartbeat for a reason it does not know yet.
 */
export const NOT_RUNNING_REASONS = [
  'image_pull_failed',
  'no_image_for_platform',
  'needs_gpus',
  'container_start_failed',
  'docker_unavailable',
  'image_not_allowed',
  'image_digest_required',
  'gpus_not_allowed',
  'redis_users_unavailable',
  'constraints_not_met',
  'refused',
] as const;
export type KnownNotRunningReason = (typeof NOT_RUNNING_REASONS)[number];
export const NOT_RUNNING_REASON_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Text fields of node bodies stay short (issue 14): a longer detail is cut by the node. */
export const NOT_RUNNING_DETAIL_MAX = 256;

export class NotRunningDto {
  @ApiProperty({ description: 'The task the node is not running' })
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'not_running.task must match [a-zA-Z0-9._-]{1,64}' })
  task: string;

  @ApiProperty({ description: `Why, as a snake_case word; known: ${NOT_RUNNING_REASONS.join(', ')}`, example: 'image_pull_failed' })
  @IsString()
  @Matches(NOT_RUNNING_REASON_PATTERN, { message: 'not_running.reason must be a snake_case word of at most 64 characters, such as image_pull_failed' })
  reason: string;

  @ApiProperty({ description: 'What happened, in words (Docker\'s message for a failed pull)', maxLength: NOT_RUNNING_DETAIL_MAX })
  @IsString()
  @MaxLength(NOT_RUNNING_DETAIL_MAX, { message: `not_running.detail must be at most ${NOT_RUNNING_DETAIL_MAX} characters` })
  detail: string;
}
