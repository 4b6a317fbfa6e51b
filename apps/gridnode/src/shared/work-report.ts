import type { InstanceStatusDto, RuntimeStatus } from '@gridcore/contracts/nodes/heartbeat.dto';
import type { NotRunningDto } from '@gridcore/contracts/nodes/not-running.dto';

/**
 * What the node's heartbeat says about its work (port): the worker pool answers it, the hub
 * session reads it. It sits here so that `hub/` needs nothing from `workers/`.
 */
export abstract class WorkReport {
  /** Error when the engine is away or a slot cannot run its task, Running with a task, else Idle. */
  abstract runtimeStatus(): RuntimeStatus;
  /** Why the status is `Error`, or null. */
  abstract lastError(): string | null;
  /** Containers known to be there. */
  abstract activeContainers(): number;
  /** Each busy slot's state. */
  abstract instances(): InstanceStatusDto[];
  /** Why the node runs none of the current task's containers, or null. */
  abstract notRunning(): NotRunningDto | null;
}
