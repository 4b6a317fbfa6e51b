import { Logger } from '@nestjs/common';
import { Observable, ReplaySubject } from 'rxjs';

/** Why the agent stops. */
export type StopReason = 'signal' | 'hub' | 'revoked' | 'refused';

const STOP_LINES: Record<StopReason, string> = {
  hub: 'stopping: the hub asks this node to stop',
  signal: 'stopping: signal received',
  revoked: 'stopping: the hub revoked this node',
  refused: "stopping: the hub refused this node's token",
};

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

  /** Revoked or refused: the node holds no credential the hub accepts, so it must not come back on its own. */
  get endsForGood(): boolean {
    return this.reason === 'revoked' || this.reason === 'refused';
  }

  request(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.logger.log(STOP_LINES[reason]);
    this.requested.next(reason);
    this.requested.complete();
  }
}
