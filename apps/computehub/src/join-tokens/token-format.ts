import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Hub-made secrets: `gcj_<id>_<secret>` (join token) and `gcn_<id>_<secret>` (node credential),
 * the id 16 hex digits, the secret 32 random bytes in base64url. The id finds the one record to
 * compare with (O(1)); the secret carries 256 bits, so a plain SHA-256 digest is the right store
 * (no slow hash: nothing to guess).
 */
export type TokenKind = 'join' | 'node';

const PREFIX: Record<TokenKind, string> = { join: 'gcj_', node: 'gcn_' };
const FORMAT = /^(gcj|gcn)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  id: string;
  token: string;
  digest: string;
}

/** Lowercase hex SHA-256 of the whole token string. */
export function tokenDigest(token: string): string {
  // The one-shot hash: a Hash object per call cost three times as much on every request.
  return hash('sha256', token, 'hex');
}

/** The same digest as raw bytes, to compare with a kept digest's bytes without hex round trips. */
export function tokenDigestBytes(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

/** Compares two raw SHA-256 digests in constant time. */
export function sameDigestBytes(a: Buffer, b: Buffer): boolean {
  return a.length === 32 && b.length === 32 && timingSafeEqual(a, b);
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

export function issueToken(kind: TokenKind): IssuedToken {
  const id = randomBytes(8).toString('hex');
  const token = `${PREFIX[kind]}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, digest: tokenDigest(token) };
}

/** The kind and id of a hub-made token, or null for any other string (a config token, garbage). */
export function parseToken(token: string): { kind: TokenKind; id: string } | null {
  const match = FORMAT.exec(token);
  if (!match) return null;
  return { kind: match[1] === 'gcj' ? 'join' : 'node', id: match[2] };
}

/** The stable id of a join token from `node_tokens`: derived from its digest, so it survives edits of the list. */
export function configJoinTokenId(token: string): string {
  return `cfg-${createHash('sha256').update(`gridcore config join token\u0000${token}`, 'utf8').digest('hex').slice(0, 12)}`;
}
