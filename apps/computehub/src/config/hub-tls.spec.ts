import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configErrorMessage as message } from '../../../../test/support/config-source';
import { makeTestPki, TestPki } from '../../../../test/support/tls';
import { HubConfig } from './hub-config';
import { loadHubTls } from './hub-tls';

describe('hub config: tls_cert and tls_key', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });

  it('reads a matching pair, and no TLS without either', () => {
    const tls = loadHubTls(pki.certFile, pki.keyFile)!;
    expect(tls.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls.subject).toBe('CN=127.0.0.1');
    expect(loadHubTls(null, null)).toBeNull();
    const config = HubConfig.fromValues({ token: 'legacy-token-1', tls_cert: pki.certFile, tls_key: pki.keyFile });
    expect(config.tls?.validTo).toMatch(/^\d{4}-/);
    expect(HubConfig.fromValues({ token: 'legacy-token-1' }).tls).toBeNull();
  });

  it('needs both', () => {
    expect(message(() => loadHubTls(pki.certFile, null))).toBe('config: tls_cert is set but tls_key is not (HTTPS needs both)');
    expect(message(() => loadHubTls(null, pki.keyFile))).toBe('config: tls_key is set but tls_cert is not (HTTPS needs both)');
  });

  it('names a missing or unreadable file', () => {
    const missing = join(pki.dir, 'missing.pem');
    expect(message(() => loadHubTls(missing, pki.keyFile))).toBe(`config: tls_cert ${missing} cannot be read (ENOENT)`);
    expect(message(() => loadHubTls(pki.certFile, pki.dir))).toBe(`config: tls_key ${pki.dir} cannot be read (EISDIR)`);
    if (process.getuid?.() !== 0) {
      const locked = join(pki.dir, 'locked.key');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0);
      expect(message(() => loadHubTls(pki.certFile, locked))).toBe(`config: tls_key ${locked} cannot be read (EACCES)`);
    }
  });

  it('refuses a file that is not what its key says, and a key of another certificate', () => {
    expect(message(() => loadHubTls(pki.keyFile, pki.keyFile))).toBe(`config: tls_cert ${pki.keyFile} is not a PEM certificate`);
    expect(message(() => loadHubTls(pki.certFile, pki.certFile))).toBe(`config: tls_key ${pki.certFile} is not a PEM private key (or it is encrypted)`);
    const otherKey = join(pki.dir, 'other-ca.key');
    expect(message(() => loadHubTls(pki.certFile, otherKey))).toBe(`config: tls_key ${otherKey} does not match the certificate in tls_cert ${pki.certFile}`);
  });

  it('refuses an expired certificate', () => {
    const later = new Date(Date.now() + 3 * 86_400_000);
    expect(message(() => loadHubTls(pki.certFile, pki.keyFile, later))).toMatch(new RegExp(`^config: tls_cert ${pki.certFile} expired on \\d{4}-`));
  });
});
