import { createHash, createHmac } from 'node:crypto';
import { containerSecret, credentialDigestOf, sameSecret } from './credentials';

describe('credentials', () => {
  it('derives the container secret as issue 17.2 says: HMAC-SHA256(key = hex digest, message = instance), lowercase hex', () => {
    const digest = createHash('sha256').update('node-token').digest('hex');
    expect(credentialDigestOf('node-token')).toBe(digest);
    expect(containerSecret(digest, '3')).toBe(createHmac('sha256', digest).update('3').digest('hex'));
    expect(containerSecret(digest, '3')).toMatch(/^[0-9a-f]{64}$/);
    expect(containerSecret(digest, '3')).not.toBe(containerSecret(digest, '4'));
  });

  it('compares exactly: other case, other length and other text are unequal', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('ABC', 'abc')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});
