import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../roles';

export class WhoamiDto {
  @ApiProperty({ enum: Role, isArray: true, description: 'Roles of the token (admin implies viewer)' })
  roles: Role[];
}
