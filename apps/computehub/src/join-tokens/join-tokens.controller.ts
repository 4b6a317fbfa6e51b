import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { JoinTokenCreateDto, JoinTokenCreatedDto, JoinTokenDto, JoinTokenRevokedDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { JoinTokenIdPipe } from './join-token-id.pipe';
import { JoinTokensService } from './join-tokens.service';

@ApiTags('join-tokens')
@ApiBearerAuth()
@Controller('api/join-tokens')
export class JoinTokensController {
  constructor(private readonly joinTokens: JoinTokensService) {}

  @Post()
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Make a join token for a volunteer (the secret is shown once)',
    description: 'A node registering with it gets a node credential bound to its id; the join token itself can only register.',
  })
  @ApiCreatedResponse({ type: JoinTokenCreatedDto })
  @ApiBadRequestResponse({ description: 'A field is missing or invalid (named in the message), or expires_at is not in the future' })
  create(@Body() body: JoinTokenCreateDto): Promise<JoinTokenCreatedDto> {
    return this.joinTokens.create(body);
  }

  @Get()
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Every join token (never its secret) with the nodes that joined with it' })
  @ApiOkResponse({ type: [JoinTokenDto] })
  list(): JoinTokenDto[] {
    return this.joinTokens.list();
  }

  @Delete(':id')
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Revoke a join token and every node that joined with it' })
  @ApiOkResponse({ type: JoinTokenRevokedDto })
  @ApiNotFoundResponse({ description: 'Join token <id> not found' })
  revoke(@Param('id', JoinTokenIdPipe) id: string): Promise<JoinTokenRevokedDto> {
    return this.joinTokens.revoke(id);
  }
}
