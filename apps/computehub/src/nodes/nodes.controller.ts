import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { NodeRecordDto, NodeScaleDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { NodeIdPipe } from './node-id.pipe';
import { NodeListQueryDto } from './node-list-query.dto';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @RequireRole(Role.Viewer)
  @ApiOperation({
    summary: 'Node records: the original\'s fields plus usage, instances, GPUs',
    description:
      'Without limit: every record, as the original answers (streamed). With limit=N (and after=ID): at most N records ' +
      'sorted by id, and a Link header `</api/nodes?limit=N&after=ID>; rel="next"` while more follow.',
  })
  @ApiOkResponse({
    type: [NodeRecordDto],
    headers: { Link: { description: 'With limit, while more nodes follow: the next page, rel="next"', schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ description: 'limit is not an integer from 1 to 1000, after is not a node id, or after without limit' })
  list(@Query() query: NodeListQueryDto, @Res({ passthrough: true }) res: Response): StreamableFile | NodeRecordDto[] {
    if (query.limit === undefined && query.after === undefined) {
      return new StreamableFile(Readable.from(this.nodes.listJsonChunks()), { type: 'application/json; charset=utf-8' });
    }
    const page = this.nodes.page(query.limit, query.after);
    if (page.next !== null) {
      res.setHeader('Link', `</api/nodes?limit=${query.limit}&after=${encodeURIComponent(page.next)}>; rel="next"`);
    }
    return page.nodes;
  }

  @Post(':id/stop')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Ask a node to stop gracefully (delivered at once to its long-poll)' })
  @ApiOkResponse({ type: NodeRecordDto })
  @ApiNotFoundResponse({ description: 'Node <id> not found' })
  stop(@Param('id', NodeIdPipe) id: string): Promise<NodeRecordDto> {
    return this.nodes.requestStop(id);
  }

  @Patch(':id')
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: "Scale a node: the containers it runs from its next heartbeat on (null: its own parallelism); the owner's policy on the node still caps it" })
  @ApiOkResponse({ type: NodeRecordDto })
  @ApiBadRequestResponse({ description: 'parallelism is not an integer from 1 to 4096 or null' })
  @ApiNotFoundResponse({ description: 'Node <id> not found' })
  @ApiConflictResponse({ description: 'The node has left' })
  scale(@Param('id', NodeIdPipe) id: string, @Body() body: NodeScaleDto): Promise<NodeRecordDto> {
    return this.nodes.scale(id, body.parallelism);
  }

  @Delete(':id')
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Forget a node that is offline or has left (it registers anew if it comes back)' })
  @ApiOkResponse({ type: NodeRecordDto, description: 'The record as it was removed' })
  @ApiNotFoundResponse({ description: 'Node <id> not found' })
  @ApiConflictResponse({ description: 'The node is online: stop it first' })
  remove(@Param('id', NodeIdPipe) id: string): Promise<NodeRecordDto> {
    return this.nodes.remove(id);
  }
}
