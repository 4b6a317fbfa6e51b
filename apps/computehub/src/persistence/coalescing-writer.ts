/**
 * Group commit for snapshot stores: a save asked for while one is running is folded into the
 * next one, so a burst of N changes costs two writes, not N, and every caller's promise settles
 * only once a write that includes its change has finished.
 */
export class CoalescingWriter {
  private running: Promise<void> | null = null;
  private pending: Promise<void> | null = null;

  constructor(private readonly write: () => Promise<void>) {}

  request(): Promise<void> {
    if (!this.running) {
      this.running = this.write().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    if (!this.pending) {
      this.pending = this.running
        .catch(() => undefined)
        .then(() => {
          this.pending = null;
          return this.request();
        });
    }
    return this.pending;
  }
}
