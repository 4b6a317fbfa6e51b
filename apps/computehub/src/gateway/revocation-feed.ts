import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Subject, Subscription } from 'rxjs';
import { GatewayRevocationsDto } from '@gridcore/contracts';
import { EventBus } from '../events/event-bus';
import { GatewayDirectory } from '@gridcore/gateway';

/** Revocations kept for gateways that poll; one that falls further behind closes nothing it missed, so it is told to start over. */
const KEPT = 10_000;

/**
 * Numbers the hub's revocations for standalone gateways' long-polls. A cursor is `<boot>:<seq>`:
 * after a hub restart the boot part differs and the gateway takes this boot's list from its start.
 */
@Injectable()
export class RevocationFeed implements OnModuleInit, OnModuleDestroy {
  readonly boot = randomBytes(6).toString('hex');
  private seq = 0;
  private readonly recent: { seq: number; nodeId: string }[] = [];
  private readonly added = new Subject<void>();
  private subscription?: Subscription;

  constructor(
    private readonly directory: GatewayDirectory,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.subscription = this.directory.revocations().subscribe((nodeId) => {
      this.recent.push({ seq: ++this.seq, nodeId });
      if (this.recent.length > KEPT) this.recent.shift();
      this.added.next();
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.added.complete();
  }

  /** Node ids revoked after `cursor` (null: none yet, just the cursor), waiting up to `waitS` for one. */
  async after(cursor: string | null, waitS: number, signal: AbortSignal): Promise<GatewayRevocationsDto> {
    const from = this.startOf(cursor);
    if (from === null) return this.answer(this.seq);
    if (this.seq <= from && waitS > 0 && !this.bus.isClosing) await this.nextOrTimeout(waitS, signal);
    return this.answer(from);
  }

  private answer(from: number): GatewayRevocationsDto {
    return { cursor: `${this.boot}:${this.seq}`, node_ids: this.recent.filter((r) => r.seq > from).map((r) => r.nodeId) };
  }

  /** The seq to list after; null when the caller has no cursor yet (it learns the present one). */
  private startOf(cursor: string | null): number | null {
    if (!cursor) return null;
    const [boot, seq] = cursor.split(':');
    if (boot !== this.boot) return 0;
    const n = Number(seq);
    return Number.isInteger(n) && n >= 0 && n <= this.seq ? n : 0;
  }

  private nextOrTimeout(waitS: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sub.unsubscribe();
        closing.unsubscribe();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitS * 1000);
      const sub = this.added.subscribe(done);
      const closing = this.bus.closing$.subscribe({ next: done, complete: done });
      signal.addEventListener('abort', done);
    });
  }
}
