import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PRINTABLE_LINE_PATTERN } from '../names';

/** A join token id: 16 lowercase hex digits (hub-made), or `cfg-` + 12 for one from `node_tokens`. */
export const JOIN_TOKEN_ID_PATTERN = /^(?:[0-9a-f]{16}|cfg-[0-9a-f]{12})$/;
/** How many nodes one join token may hold at most when `max_nodes` is given. */
export const JOIN_TOKEN_MAX_NODES_LIMIT = 1_000_000;

/** `POST /api/join-tokens`: a token a volunteer registers nodes with. */
export class JoinTokenCreateDto {
  @ApiProperty({ example: 'alice-lab', description: 'Who the token is for (one line, 1 to 64 characters)' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(PRINTABLE_LINE_PATTERN, { message: 'label must be one line of printable text' })
  label: string;

  @ApiPropertyOptional({ nullable: true, example: 4, description: 'At most this many live nodes registered with it (default: no cap)' })
  @IsOptional()
  @IsInt({ message: 'max_nodes must be an integer' })
  @Min(1)
  @Max(JOIN_TOKEN_MAX_NODES_LIMIT)
  max_nodes?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    example: '2030-01-01T00:00:00Z',
    description: 'RFC 3339 time after which it registers no node (nodes it registered keep their credentials); default: never',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expires_at must be an RFC 3339 time such as 2030-01-01T00:00:00Z' })
  expires_at?: string | null;
}

/** A join token as listed: never its secret. */
export class JoinTokenNodeDto {
  @ApiProperty() node_id: string;
  @ApiProperty({ description: 'When its node credential was issued' }) joined_at: string;
  @ApiProperty({ nullable: true, type: String, description: 'When the node was revoked, or null' }) revoked_at: string | null;
}

export class JoinTokenDto {
  @ApiProperty({ example: '3f9c0a1b2c3d4e5f' }) id: string;
  @ApiProperty() label: string;
  @ApiProperty({ nullable: true, type: Number }) max_nodes: number | null;
  @ApiProperty({ nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Creation time (null for one from the config)' }) created_at: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ enum: ['api', 'config'], description: 'Made by POST /api/join-tokens, or one of the config\'s node_tokens (never expires)' })
  source: 'api' | 'config';
  @ApiProperty({ description: 'Nodes holding a live credential from it' }) live_nodes: number;
  @ApiProperty({ type: [JoinTokenNodeDto], description: 'Every node that joined with it' }) nodes: JoinTokenNodeDto[];
}

/** The answer to `POST /api/join-tokens`: the only time the secret is shown. */
export class JoinTokenCreatedDto {
  @ApiProperty() id: string;
  @ApiProperty() label: string;
  @ApiProperty({ description: 'The join token itself, `gcj_<id>_<secret>`: shown once, stored only as a SHA-256 digest' }) token: string;
  @ApiProperty({ nullable: true, type: Number }) max_nodes: number | null;
  @ApiProperty({ nullable: true, type: String }) expires_at: string | null;
}

/** The answer to `DELETE /api/join-tokens/:id`. */
export class JoinTokenRevokedDto {
  @ApiProperty() id: string;
  @ApiProperty() revoked_at: string;
  @ApiProperty({ type: [String], description: 'Nodes revoked with it' }) revoked_nodes: string[];
}

/** The answer to `POST /api/nodes/:id/revoke`. */
export class NodeRevokedDto {
  @ApiProperty() node_id: string;
  @ApiProperty() revoked_at: string;
  @ApiProperty({ description: 'Items of its batches handed back to their queues (no attempt counted)' }) items_handed_back: number;
}
