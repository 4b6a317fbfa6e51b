import type { ClientSession } from './client-session';

/** The open connections of this gateway process, by id and by node (CLIENT UNBLOCK, revocation). */
export class SessionRegistry {
  private nextId = 1;
  private readonly byId = new Map<number, ClientSession>();

  newId(): number {
    return this.nextId++;
  }

  add(s: ClientSession): void {
    this.byId.set(s.id, s);
  }

  remove(s: ClientSession): void {
    this.byId.delete(s.id);
  }

  get(id: number): ClientSession | undefined {
    return this.byId.get(id);
  }

  ofNode(nodeId: string): ClientSession[] {
    return [...this.byId.values()].filter((s) => s.identity?.nodeId === nodeId);
  }

  all(): ClientSession[] {
    return [...this.byId.values()];
  }
}
