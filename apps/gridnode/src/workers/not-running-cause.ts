import type { KnownNotRunningReason } from '@gridcore/contracts/nodes/not-running.dto';

/** Why a slot runs nothing: a NotRunningDto reason and its detail (the heartbeat adds the task). */
export interface NotRunningCause {
  reason: KnownNotRunningReason;
  detail: string;
}
