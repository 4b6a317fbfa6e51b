/**
 * Whether a sample shows that a task's Redis lost its queue. Only a P:config known to have been
 * written with the run's id can be missed: before that write (Redis away at the start, a task
 * from before run ids) there is nothing to compare, and a missing P:config means nothing.
 */
export function queueLossReason(runId: string, configWritten: boolean, seenRunId: string | null): string | null {
  if (!configWritten || seenRunId === runId) return null;
  if (seenRunId === null) {
    return "the queue's P:config, written when the task started, is gone: Redis restarted without persistence, was flushed, or failed over to an empty replica, and the queue's items and counts went with it";
  }
  return `the queue's P:config names run ${seenRunId}, not this run ${runId}: its keys were replaced since the task started`;
}
