import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Lowercase hex SHA-256 of a node credential: what the hub keeps instead of the credential. */
export function credentialDigestOf(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

/**
 * The secret of one container (issue 17.2): lowercase hex HMAC-SHA256 of the instance id, keyed
 * with the node's credential digest as its hex string. The node derives it; the gateway checks it.
 */
export function containerSecret(digest: string, instance: string): string {
  return createHmac('sha256', digest).update(instance).digest('hex');
}

/** Constant-time equality of two strings (different lengths compare unequal without a shortcut on content). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}
