import type { FailureCause } from '@gridcore/queue';
import type { ContainerExit } from '@gridcore/docker-runtime';

/** How many of a dead container's last log lines go with its items' cause (cut to 4 KiB anyway). */
export const EXIT_LOG_LINES = 20;

/**
 * Why the items a container held failed when it ended on its own (issue 19): its exit code (an
 * OOM kill, 137, said so), the last lines it wrote, and the image it ran.
 */
export function exitCause(exit: ContainerExit & { lostWithEngine?: boolean }, logs: string, imageId?: string): FailureCause {
  const code = exit.exitCode;
  let message: string;
  if (exit.oomKilled) message = `container killed by the OOM killer (exit code ${code})`;
  else if (exit.lostWithEngine) message = `container lost with the Docker engine (exit code ${code})`;
  else if (code < 0) message = `container ended: ${exit.error ?? 'unknown'}`;
  else message = `container exited with code ${code}`;
  const cause: FailureCause = { kind: 'exit', message, exit_code: code, oom_killed: exit.oomKilled };
  // A worker may print its Redis URL: the password never leaves the node in a cause.
  const trimmed = logs.replace(/\s+$/, '').replace(/(rediss?:\/\/[^:@\s/]*:)[^@\s]+@/g, '$1***@');
  if (trimmed) cause.logs = trimmed;
  if (imageId) cause.image = imageId;
  return cause;
}
