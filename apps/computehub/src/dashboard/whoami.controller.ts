import { Controller, Get, Headers } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@gridcore/contracts';
import { RequireRole } from '../auth/access.decorator';
import { WhoamiDto } from './whoami.dto';
import { WhoamiService } from './whoami.service';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/whoami')
export class WhoamiController {
  constructor(private readonly whoami: WhoamiService) {}

  @Get()
  @RequireRole(Role.Viewer)
  @ApiOperation({
    summary: 'The roles of the calling token',
    description: 'Lets a client (the dashboard) show only the actions its token may take. Changes nothing.',
  })
  @ApiOkResponse({ type: WhoamiDto })
  get(@Headers('authorization') authorization: string): WhoamiDto {
    return this.whoami.of(authorization);
  }
}
