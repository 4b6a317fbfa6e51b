import type { TaskState } from './task-record';
import { TaskStore } from './task-store';

/** A store in memory whose saves the test can fail or hold open; it logs into the shared journal. */
export class MemoryTaskStore extends TaskStore {
  saved: TaskState | null = null;
  /** Every state saved, in order. */
  readonly saves: TaskState[] = [];
  failNext = false;
  private held: Array<() => void> = [];
  hold = false;

  constructor(
    private readonly journal: string[] = [],
    private readonly initial: TaskState | null = null,
  ) {
    super();
  }

  async load(): Promise<TaskState | null> {
    return this.initial ? structuredClone(this.initial) : null;
  }

  async save(state: TaskState): Promise<void> {
    this.journal.push(`save r${state.revision} ${state.tasks.map((t) => `${t.name}:${t.status}`).join(',')}`);
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.saved = structuredClone(state);
    this.saves.push(structuredClone(state));
  }

  async ping(): Promise<void> {}

  /** Lets the oldest held save go on. */
  release(): void {
    this.held.shift()?.();
  }

  get waiting(): number {
    return this.held.length;
  }
}
