import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { defer, finalize, interval, map, merge, Observable, takeUntil } from 'rxjs';
import { HUB_EVENT_TYPES, Role } from '@gridcore/contracts';
import { RequireRole } from '../auth/access.decorator';
import { ProgressDemand } from '../progress/progress-demand';
import { EventBus } from './event-bus';

/** Proxies and load balancers close idle streams; a comment-free ping keeps them open. */
const KEEPALIVE_MS = 15_000;

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events')
export class EventsController {
  constructor(
    private readonly bus: EventBus,
    private readonly demand: ProgressDemand,
  ) {}

  @Sse()
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'Server-sent events', description: `Event types: ${HUB_EVENT_TYPES.join(', ')}, ping` })
  @ApiOkResponse({ description: 'text/event-stream; each event is `{type, at, data}`' })
  stream(): Observable<MessageEvent> {
    // An open stream is a watcher: the running task is sampled every second until it closes.
    return defer(() => {
      const release = this.demand.openStream();
      return merge(
        this.bus.events$.pipe(map((event) => ({ type: event.type, data: event }))),
        interval(KEEPALIVE_MS).pipe(map(() => ({ type: 'ping', data: { at: Date.now() } }))),
      ).pipe(takeUntil(this.bus.closing$), finalize(release));
    });
  }
}
