import { Injectable } from '@nestjs/common';

/**
 * What the runnability tracker needs to know of scoped Redis users, kept apart from the service
 * (which reads tasks and nodes) so runnability can read it without a cycle: which nodes called as
 * volunteers, and which task runs cannot be handed to them (with why).
 */
@Injectable()
export class ScopedUsersBoard {
  private readonly volunteers = new Set<string>();
  private readonly blocked = new Map<string, string>();

  markVolunteer(nodeId: string): void {
    this.volunteers.add(nodeId);
  }

  forgetNode(nodeId: string): void {
    this.volunteers.delete(nodeId);
  }

  isVolunteer(nodeId: string): boolean {
    return this.volunteers.has(nodeId);
  }

  /** Why volunteers get no task of this run, or null. */
  blockedReason(runId: string): string | null {
    return this.blocked.get(runId) ?? null;
  }

  setBlocked(runId: string, detail: string | null): void {
    if (detail === null) this.blocked.delete(runId);
    else this.blocked.set(runId, detail);
  }
}
