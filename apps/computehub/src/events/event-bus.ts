import { BeforeApplicationShutdown, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { HubEvent, HubEventType } from '@gridcore/contracts';

/**
 * The hub's domain events, published once where they happen and fanned out to every listener:
 * SSE clients, long-polling nodes, metrics.
 */
@Injectable()
export class EventBus implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly subject = new Subject<HubEvent>();
  private readonly closing = new Subject<void>();
  readonly events$: Observable<HubEvent> = this.subject.asObservable();
  /** Fires once when the hub shuts down, so long-lived answers (SSE, long-polls) end at once. */
  readonly closing$: Observable<void> = this.closing.asObservable();
  private closed = false;

  get isClosing(): boolean {
    return this.closed;
  }

  publish<T>(type: HubEventType, data: T): void {
    this.subject.next({ type, at: Date.now(), data });
  }

  /** Runs before the HTTP server stops accepting, so open streams end and it can close. */
  beforeApplicationShutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.next();
    this.closing.complete();
  }

  onModuleDestroy(): void {
    this.beforeApplicationShutdown();
    this.subject.complete();
  }
}
