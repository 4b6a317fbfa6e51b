import { ApiProperty } from '@nestjs/swagger';
import { Role } from '@gridcore/contracts';

export class WhoamiDto {
  @ApiProperty({ enum: Role, isArray: true, description: 'Roles of the token (admin implies viewer)' })
  roles: Role[];
}
