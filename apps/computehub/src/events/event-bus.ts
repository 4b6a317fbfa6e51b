import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { HubEvent, HubEventType } from '@gridcore/contracts';

/**
 * The hub's domain events, published once where they happen and fanned out to every listener:
 * SSE clients, long-polling nodes, metrics.
 */
@Injectable()
export class EventBus implements OnModuleDestroy {
  private readonly subject = new Subject<HubEvent>();
  readonly events$: Observable<HubEvent> = this.subject.asObservable();

  publish<T>(type: HubEventType, data: T): void {
    this.subject.next({ type, at: Date.now(), data });
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }
}
