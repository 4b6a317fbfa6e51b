import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GatewayNodeDigestDto, GatewayNodeRouteDto, GatewayRevocationsDto, Role } from '@gridcore/contracts';
import { GatewayDirectory } from '@gridcore/gateway';
import { RequireRole } from '../access/access.decorator';
import { GatewayNodeIdPipe } from './gateway-node-id.pipe';
import { RevocationsQueryDto } from './revocations-query.dto';
import { RevocationFeed } from './revocation-feed';

/**
 * What a standalone data gateway (apps/gateway) asks the hub: a node's credential digest, the
 * task it serves that node with the task's real Redis URLs, and revocations. Only `gateway_tokens`
 * may call these (they can do nothing else); admin and node tokens get 403.
 */
@ApiTags('gateway')
@ApiBearerAuth()
@Controller('gateway')
@RequireRole(Role.Gateway)
@ApiForbiddenResponse({ description: 'The token is not a gateway token' })
export class GatewayDirectoryController {
  constructor(
    private readonly directory: GatewayDirectory,
    private readonly feed: RevocationFeed,
  ) {}

  @Get('nodes/:id/credential-digest')
  @ApiOperation({ summary: 'The hex SHA-256 of a node\'s credential, which container and node secrets derive from (null: refuse its AUTH)' })
  @ApiOkResponse({ type: GatewayNodeDigestDto })
  async digest(@Param('id', GatewayNodeIdPipe) id: string): Promise<GatewayNodeDigestDto> {
    return { node_id: id, credential_digest: await this.directory.credentialDigest(id) };
  }

  @Get('nodes/:id/route')
  @ApiOperation({ summary: 'The gateway task this node runs now, with the task\'s real Redis URLs (null: none)' })
  @ApiOkResponse({ type: GatewayNodeRouteDto })
  async route(@Param('id', GatewayNodeIdPipe) id: string): Promise<GatewayNodeRouteDto> {
    return { node_id: id, task: await this.directory.taskFor(id) };
  }

  @Get('revocations')
  @ApiOperation({
    summary: 'Node ids revoked after cursor (long-poll up to wait seconds); without cursor: the present cursor and no ids',
    description: 'The gateway closes every connection of each listed node.',
  })
  @ApiOkResponse({ type: GatewayRevocationsDto })
  async revocations(@Query() query: RevocationsQueryDto, @Res() res: Response): Promise<void> {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const answer = await this.feed.after(query.cursor ?? null, Math.min(query.wait ?? 0, 60), abort.signal);
    if (!res.writableEnded && !res.destroyed) res.status(200).json(answer);
  }
}
