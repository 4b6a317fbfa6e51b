import type { NodeRefusalDto, NotRunningDto, TaskRunnabilityDto } from '@gridcore/contracts';
import { sameNotRunning } from './node-verdict';

/** The most refusals a task record lists; the count says how many there are. */
export const MAX_LISTED_REFUSALS = 50;
const SUMMARY_NAMES = 3;

interface Entry {
  hostname: string;
  refusal: NotRunningDto | null;
}

/**
 * The verdicts of the online nodes on one task run, kept per node so a heartbeat costs one update,
 * not a pass over every node.
 */
export class RunnabilityTally {
  private readonly entries = new Map<string, Entry>();
  private running = 0;

  constructor(readonly taskName: string) {}

  /** Records a node's verdict (`online` false forgets it); answers whether anything changed. */
  set(nodeId: string, hostname: string, online: boolean, refusal: NotRunningDto | null): boolean {
    const before = this.entries.get(nodeId);
    if (!online) {
      if (!before) return false;
      this.entries.delete(nodeId);
      if (!before.refusal) this.running--;
      return true;
    }
    if (before && before.hostname === hostname && sameNotRunning(before.refusal, refusal)) return false;
    if (before && !before.refusal) this.running--;
    this.entries.set(nodeId, { hostname, refusal });
    if (!refusal) this.running++;
    return true;
  }

  get runnable(): boolean {
    return this.running > 0;
  }

  view(): TaskRunnabilityDto {
    const refusing: NodeRefusalDto[] = [];
    for (const [node, e] of this.entries) {
      if (e.refusal && refusing.length < MAX_LISTED_REFUSALS) refusing.push({ node, hostname: e.hostname, reason: e.refusal.reason, detail: e.refusal.detail });
    }
    const refusingCount = this.entries.size - this.running;
    return { nodes_running: this.running, nodes_refusing: refusing, refusing_count: refusingCount, runnable: this.runnable, summary: this.summary(refusing, refusingCount) };
  }

  private summary(refusing: NodeRefusalDto[], refusingCount: number): string {
    if (this.running > 0) {
      const also = refusingCount > 0 ? `; ${refusingCount} refuse it (${refusing[0].hostname}: ${refusing[0].reason})` : '';
      return `${this.running} online node${this.running === 1 ? '' : 's'} can run task ${this.taskName}${also}`;
    }
    if (refusingCount === 0) return `no node is online to run task ${this.taskName}`;
    const named = refusing.slice(0, SUMMARY_NAMES).map((r) => `${r.hostname}: ${r.detail}`);
    const more = refusingCount > named.length ? `; and ${refusingCount - named.length} more` : '';
    return `no online node can run task ${this.taskName}: ${named.join('; ')}${more}`;
  }
}
