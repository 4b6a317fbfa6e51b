import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NodeRevokedDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { NodeIdPipe } from '../nodes/node-id.pipe';
import { NodeRevocation } from './node-revocation.service';

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/nodes')
export class NodeRevocationController {
  constructor(private readonly revocation: NodeRevocation) {}

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Revoke a node for good',
    description:
      'Its credential answers 401 {"reason":"revoked"} from now on (its open long-poll too), its id never registers again, ' +
      'and its batches go back to their queues without an attempt.',
  })
  @ApiOkResponse({ type: NodeRevokedDto })
  @ApiNotFoundResponse({ description: 'Node <id> not found' })
  revoke(@Param('id', NodeIdPipe) id: string): Promise<NodeRevokedDto> {
    return this.revocation.revoke(id);
  }
}
