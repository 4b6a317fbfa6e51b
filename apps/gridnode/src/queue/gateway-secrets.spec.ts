import { createHash, createHmac } from 'node:crypto';
import { bareGatewayUrl, containerGatewayUrl, containerSecret, credentialDigest, nodeGatewayUrl } from './gateway-secrets';

const CREDENTIAL = 'gcn_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('gateway secrets', () => {
  it('keys the container secret with the hex digest string of the credential, over the instance id as a string', () => {
    const digest = createHash('sha256').update(CREDENTIAL).digest('hex');
    expect(credentialDigest(CREDENTIAL)).toBe(digest);
    expect(containerSecret(CREDENTIAL, 3)).toBe(createHmac('sha256', digest).update('3').digest('hex'));
    expect(containerSecret(CREDENTIAL, 3)).toMatch(/^[0-9a-f]{64}$/);
    expect(containerSecret(CREDENTIAL, 3)).not.toBe(containerSecret(CREDENTIAL, 4));
  });

  it('builds the container URL as <node>.<instance>:<secret>@<gateway>, and the node URL with its credential', () => {
    const url = containerGatewayUrl('redis://127.0.0.1:6390', 'node.a-1', 2, CREDENTIAL);
    expect(url).toBe(`redis://node.a-1.2:${containerSecret(CREDENTIAL, 2)}@127.0.0.1:6390`);
    expect(nodeGatewayUrl('rediss://[::1]:6390/', 'n1', CREDENTIAL)).toBe(`rediss://n1:${CREDENTIAL}@[::1]:6390`);
  });

  it('strips any user and password to the bare address', () => {
    expect(bareGatewayUrl('redis://n1.0:secret@127.0.0.1:6390')).toBe('redis://127.0.0.1:6390');
  });
});
