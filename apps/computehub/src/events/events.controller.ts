import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { defer, finalize, interval, map, merge, Observable, share, takeUntil } from 'rxjs';
import { HubEvent, HUB_EVENT_TYPES, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { ProgressDemand } from '../progress/progress-demand';
import { maskRedisUrlsDeep } from '../redaction/redis-urls';
import { EventBus } from './event-bus';

/** Proxies and load balancers close idle streams; a comment-free ping keeps them open. */
const KEEPALIVE_MS = 15_000;

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events')
export class EventsController {
  /**
   * What viewers may see of the bus, masked once for every client: a Redis URL can reach an event
   * from any field a user wrote or any error message, so the stream's edge masks them all.
   */
  private readonly publicEvents$: Observable<HubEvent>;

  constructor(
    private readonly bus: EventBus,
    private readonly demand: ProgressDemand,
  ) {
    this.publicEvents$ = bus.events$.pipe(map((event) => maskRedisUrlsDeep(event)), share());
  }

  @Sse()
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'Server-sent events', description: `Event types: ${HUB_EVENT_TYPES.join(', ')}, ping` })
  @ApiOkResponse({ description: 'text/event-stream; each event is `{type, at, data}`' })
  stream(): Observable<MessageEvent> {
    // An open stream is a watcher: the running task is sampled every second until it closes.
    return defer(() => {
      const release = this.demand.openStream();
      return merge(
        this.publicEvents$.pipe(map((event) => ({ type: event.type, data: event }))),
        interval(KEEPALIVE_MS).pipe(map(() => ({ type: 'ping', data: { at: Date.now() } }))),
      ).pipe(takeUntil(this.bus.closing$), finalize(release));
    });
  }
}
