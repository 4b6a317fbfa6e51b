import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LogAnswerDto, LogAnswerResultDto, LogRequestsEnvelopeDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { NotFoundError } from '../errors/not-found.error';
import { NodesService } from '../nodes/nodes.service';
import { LogRelayBoard } from './log-relay-board';
import { LogPollQueryDto } from './node-logs-query.dto';

/** A log long-poll waits at most this long, as the task long-poll. */
const MAX_WAIT_S = 60;

/**
 * The node's side of the log relay, new in this hub: the original GridNode never calls it, and
 * nothing of the original protocol changes. A node credential may speak only for its own id
 * (the auth guard checks `node_id` in the query and the body).
 */
@ApiTags('gridnode')
@ApiBearerAuth()
@Controller(['gridnode/logs', 'agent/logs'])
@RequireRole(Role.Node)
export class LogRelayController {
  constructor(
    private readonly board: LogRelayBoard,
    private readonly nodes: NodesService,
  ) {}

  @Get('requests')
  @ApiOperation({ summary: 'Long-poll: the log requests the hub holds for this node, and the follows to end' })
  @ApiOkResponse({ type: LogRequestsEnvelopeDto })
  @ApiNotFoundResponse({ description: 'Unknown node id: the node registers first' })
  async requests(@Query() query: LogPollQueryDto, @Res() res: Response): Promise<void> {
    this.known(query.node_id);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const envelope = await this.board.poll(query.node_id, Math.min(query.wait ?? 0, MAX_WAIT_S) * 1000, abort.signal);
    if (!res.writableEnded && !res.destroyed) res.status(200).json(envelope);
  }

  @Post('answers')
  @HttpCode(200)
  @ApiOperation({ summary: "A node's answer to a log request (the kept output), or a follow's new output" })
  @ApiOkResponse({ type: LogAnswerResultDto })
  @ApiNotFoundResponse({ description: 'Unknown node id' })
  answers(@Body() body: LogAnswerDto): LogAnswerResultDto {
    this.known(body.node_id);
    return { continue: this.board.answer(body) };
  }

  private known(nodeId: string): void {
    const node = this.nodes.find(nodeId);
    if (!node || node.left_at) throw new NotFoundError(`Node ${nodeId} not found`);
  }
}
