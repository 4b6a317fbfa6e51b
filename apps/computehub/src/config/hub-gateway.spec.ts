import { configErrorMessage as message } from '../../../../test/support/config-source';
import { makeTestPki, TestPki } from '../../../../test/support/tls';
import { HubConfig } from './hub-config';

describe('hub config: the data gateway keys', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  const config = (values: Record<string, unknown>) => HubConfig.fromValues({ token: 'legacy-token-1', ...values });

  it('runs no gateway unless asked', () => {
    expect(config({}).gateway).toBeNull();
  });

  it('derives the address nodes get from gateway_bind (plain on loopback, rediss with TLS), or takes gateway_url', () => {
    expect(config({ gateway_bind: '127.0.0.1:6390' }).gateway).toMatchObject({ bind: { host: '127.0.0.1', port: 6390 }, tls: null, publicUrl: 'redis://127.0.0.1:6390' });
    expect(config({ gateway_bind: '[::1]:6390' }).gateway?.publicUrl).toBe('redis://[::1]:6390');
    const tls = config({ gateway_bind: '0.0.0.0:6390', gateway_tls_cert: pki.certFile, gateway_tls_key: pki.keyFile }).gateway!;
    expect(tls.publicUrl).toBe('rediss://127.0.0.1:6390');
    expect(tls.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    const standalone = config({ gateway_url: 'rediss://gateway.example.org:6390' }).gateway!;
    expect(standalone).toMatchObject({ bind: null, publicUrl: 'rediss://gateway.example.org:6390' });
  });

  it('refuses a gateway off loopback without TLS, half a TLS pair, and a gateway_url with a user or password', () => {
    expect(message(() => config({ gateway_bind: '0.0.0.0:6390' }))).toMatch(/gateway_bind 0\.0\.0\.0:6390 is not a loopback address: set gateway_tls_cert and gateway_tls_key/);
    expect(message(() => config({ gateway_bind: '127.0.0.1:6390', gateway_tls_cert: pki.certFile }))).toBe(
      'config: gateway_tls_cert is set but gateway_tls_key is not (TLS needs both)',
    );
    expect(message(() => config({ gateway_url: 'redis://user:pw@gw:6390' }))).toMatch(/gateway_url/);
    expect(message(() => config({ gateway_bind: 'nowhere' }))).toMatch(/gateway_bind/);
  });
});
