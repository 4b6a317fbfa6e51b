import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt, Max, Min, ValidateIf } from 'class-validator';

const MESSAGE = 'parallelism must be an integer from 1 to 4096, or null for the node\'s own setting';

/** `PATCH /api/nodes/:id`: scale a node from the hub (issue 20 point 4). The owner's policy still caps it. */
export class NodeScaleDto {
  @ApiProperty({ nullable: true, type: Number, minimum: 1, maximum: 4096, description: "Containers the node runs from now on; null: the node's own parallelism again" })
  @IsDefined({ message: MESSAGE })
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: MESSAGE })
  @Min(1, { message: MESSAGE })
  @Max(4096, { message: MESSAGE })
  parallelism: number | null;
}
