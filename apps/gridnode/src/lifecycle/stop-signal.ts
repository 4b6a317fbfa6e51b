import { Logger } from '@nestjs/common';
import { Observable, ReplaySubject } from 'rxjs';

/** Why the agent stops. */
export type StopReason = 'signal' | 'hub';

/**
 * The one owner of "the agent must stop". A SIGTERM, a heartbeat answer and the task long-poll
 * may all ask, several times; the first request is logged and announced, the rest change
 * nothing. A late subscriber still hears it (the agent may subscribe after a stop arrived).
 */
export class StopSignal {
  private readonly logger = new Logger('GridNode');
  private readonly requested = new ReplaySubject<StopReason>(1);
  private reason: StopReason | null = null;

  /** Emits once, with the first request's reason. */
  readonly requested$: Observable<StopReason> = this.requested.asObservable();

  get stopRequested(): boolean {
    return this.reason !== null;
  }

  request(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.logger.log(reason === 'hub' ? 'stopping: the hub asks this node to stop' : 'stopping: signal received');
    this.requested.next(reason);
    this.requested.complete();
  }
}
