import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role, WhoamiDto } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { CallerRoles } from '../access/caller-roles.decorator';

const ROLE_ORDER = [Role.Admin, Role.Viewer, Role.Node];

@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/whoami')
export class WhoamiController {
  @Get()
  @RequireRole(Role.Viewer)
  @ApiOperation({
    summary: 'The roles of the calling token',
    description: 'Lets a client (the dashboard) show only the actions its token may take. Changes nothing.',
  })
  @ApiOkResponse({ type: WhoamiDto })
  get(@CallerRoles() roles: ReadonlySet<Role>): WhoamiDto {
    return { roles: ROLE_ORDER.filter((r) => roles.has(r)) };
  }
}
