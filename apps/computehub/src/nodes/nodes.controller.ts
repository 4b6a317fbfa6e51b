import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NodeRecordDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../auth/access.decorator';
import { NodeIdPipe } from './node-id.pipe';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'Node records: the original\'s fields plus usage, instances, GPUs' })
  @ApiOkResponse({ type: [NodeRecordDto] })
  list(): NodeRecordDto[] {
    return this.nodes.list();
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
