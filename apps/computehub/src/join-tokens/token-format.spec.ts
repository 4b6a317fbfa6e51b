import { createHash } from 'node:crypto';
import { issueToken, parseToken, sameDigest, sameDigestBytes, tokenDigest, tokenDigestBytes } from './token-format';

describe('token format', () => {
  it('issues gcj_/gcn_ tokens whose id leads to the record and whose digest is the hex SHA-256 of the whole string', () => {
    const join = issueToken('join');
    expect(join.token).toMatch(/^gcj_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseToken(join.token)).toEqual({ kind: 'join', id: join.id });
    const node = issueToken('node');
    expect(parseToken(node.token)).toEqual({ kind: 'node', id: node.id });
    expect(node.digest).toBe(tokenDigest(node.token));
    expect(node.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores the lowercase hex SHA-256 of the UTF-8 token string (the form the data gateway reads)', () => {
    // FIPS 180-2 test vector, and a non-ASCII string hashed as UTF-8.
    expect(tokenDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(tokenDigest('é')).toBe(createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
  });

  it('parses nothing else, and compares only whole digests', () => {
    for (const t of ['', 'gcn_', 'gcn_0123456789abcdef_short', 'gcx_0123456789abcdef_' + 'a'.repeat(43), 'legacy-token']) expect(parseToken(t)).toBeNull();
    const d = tokenDigest('x');
    expect(sameDigest(d, d)).toBe(true);
    expect(sameDigest(d, tokenDigest('y'))).toBe(false);
    expect(sameDigest(d, d.slice(0, 62))).toBe(false);
    expect(tokenDigestBytes('x').toString('hex')).toBe(d);
    expect(sameDigestBytes(Buffer.from(d, 'hex'), tokenDigestBytes('x'))).toBe(true);
    expect(sameDigestBytes(Buffer.from(d, 'hex'), tokenDigestBytes('y'))).toBe(false);
    expect(sameDigestBytes(Buffer.from(d.slice(0, 62), 'hex'), tokenDigestBytes('x'))).toBe(false);
  });
});
