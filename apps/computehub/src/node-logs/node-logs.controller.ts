import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NodeLogsDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { NodeIdPipe } from '../nodes/node-id.pipe';
import { logsWant, NodeLogsQueryDto } from './node-logs-query.dto';
import { DEFAULT_TAIL_LINES, NodeLogs } from './node-logs.service';

/** Proxies close idle streams: a ping keeps a quiet follow open. */
const KEEPALIVE_MS = 15_000;

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/nodes')
export class NodeLogsController {
  constructor(private readonly logs: NodeLogs) {}

  @Get(':id/logs')
  @RequireRole(Role.Viewer)
  @ApiOperation({
    summary: "The node's container logs: the last 64 KiB of each container of the current task (the last three per instance, exited ones too)",
    description:
      'Fetched over the node\'s own connection (its log long-poll), Redis passwords and tokens masked. With follow=1: ' +
      'server-sent events `containers` (the kept output), then `chunk` ({instance, container_id, text, exit_code?}) as the containers write, ' +
      '`end` when the node goes offline, and `ping`.',
  })
  @ApiOkResponse({ type: NodeLogsDto })
  @ApiNotFoundResponse({ description: 'Node <id> not found' })
  @ApiConflictResponse({ description: 'The node is offline, left, was revoked, or does not relay logs (the original GridNode)' })
  @ApiGatewayTimeoutResponse({ description: 'The node is online but did not answer within 5 s' })
  async get(@Param('id', NodeIdPipe) id: string, @Query() query: NodeLogsQueryDto, @Res() res: Response): Promise<void> {
    const want = logsWant(query, DEFAULT_TAIL_LINES);
    if (query.follow !== '1' && query.follow !== 'true') {
      res.status(200).json(await this.logs.fetch(id, want));
      return;
    }
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    // Refusals (404, 409) are thrown here, before the stream starts, as plain JSON errors.
    const stop = this.logs.follow(id, want, {
      containers: (containers, roundTripMs) => send('containers', { node_id: id, round_trip_ms: roundTripMs, containers }),
      chunks: (chunks) => chunks.forEach((chunk) => send('chunk', chunk)),
      end: (reason) => {
        send('end', { reason });
        clearInterval(keepalive);
        res.end();
      },
    });
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const keepalive = setInterval(() => send('ping', { at: Date.now() }), KEEPALIVE_MS);
    res.on('close', () => {
      clearInterval(keepalive);
      stop();
    });
  }
}
