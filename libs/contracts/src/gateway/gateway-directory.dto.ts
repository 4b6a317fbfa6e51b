import { ApiProperty } from '@nestjs/swagger';

/** `GET /gateway/nodes/:id/credential-digest`: what a gateway checks a node's AUTH against. */
export class GatewayNodeDigestDto {
  @ApiProperty() node_id: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Lowercase hex SHA-256 of the node credential; null when the node holds none or was revoked (AUTH is refused)',
  })
  credential_digest: string | null;
}

/** The task a gateway serves to one node, with the task's real Redis URLs (gateway tokens only). */
export class GatewayTaskRouteDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The task\'s input Redis with its user and password' }) input_redis: string;
  @ApiProperty() output_redis: string;
  @ApiProperty({ nullable: true, type: String }) redis_tls_ca: string | null;
  @ApiProperty() input_queue: string;
  @ApiProperty() output_queue: string;
  @ApiProperty() batch_timeout_s: number;
  @ApiProperty() max_attempts: number;
}

/** `GET /gateway/nodes/:id/route`. */
export class GatewayNodeRouteDto {
  @ApiProperty() node_id: string;
  @ApiProperty({ type: GatewayTaskRouteDto, nullable: true, description: 'null: no gateway task for this node now (or it is unknown or revoked)' })
  task: GatewayTaskRouteDto | null;
}

/** `GET /gateway/revocations`: node ids revoked after `cursor`. */
export class GatewayRevocationsDto {
  @ApiProperty({ description: 'Pass it back as cursor; its first part changes when the hub restarts, and the list then starts again' })
  cursor: string;
  @ApiProperty({ type: [String] }) node_ids: string[];
}
