import { BeforeApplicationShutdown, Injectable, OnModuleDestroy } from '@nestjs/common';
import { filter, Observable, Subject } from 'rxjs';
import { HubEventPayloads, HubEventType, TypedHubEvent } from '@gridcore/contracts';

/**
 * The hub's domain events, published once where they happen and fanned out to every listener:
 * SSE clients, long-polling nodes, metrics.
 */
@Injectable()
export class EventBus implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly subject = new Subject<TypedHubEvent>();
  private readonly closing = new Subject<void>();
  /** Every event; a `switch` on `type` narrows its `data`. */
  readonly events$: Observable<TypedHubEvent> = this.subject.asObservable();
  /** Fires once when the hub shuts down, so long-lived answers (SSE, long-polls) end at once. */
  readonly closing$: Observable<void> = this.closing.asObservable();
  private closed = false;

  get isClosing(): boolean {
    return this.closed;
  }

  publish<K extends HubEventType>(type: K, data: HubEventPayloads[K]): void {
    this.subject.next(eventOf(type, data));
  }

  /** The events of the given types only, their payloads typed. */
  of<K extends HubEventType>(...types: K[]): Observable<Extract<TypedHubEvent, { type: K }>> {
    const wanted = new Set<HubEventType>(types);
    return this.events$.pipe(filter((event): event is Extract<TypedHubEvent, { type: K }> => wanted.has(event.type)));
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

/**
 * TypeScript cannot see that `{type: K, data: HubEventPayloads[K]}` is one member of the union
 * for a generic K; `publish`'s signature already ties them, so this is the one place that says so.
 */
function eventOf<K extends HubEventType>(type: K, data: HubEventPayloads[K]): TypedHubEvent {
  return { type, at: Date.now(), data } as TypedHubEvent;
}
