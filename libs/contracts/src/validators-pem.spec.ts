import { readFileSync } from 'node:fs';
import { makeTestPki, TestPki } from '../../../test/support/tls';
import { isPemCertificates, MAX_PEM_LENGTH } from './validators';

describe('isPemCertificates (redis_tls_ca)', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });

  it('takes one certificate or a bundle, with surrounding whitespace', () => {
    const other = readFileSync(pki.otherCaFile, 'utf8');
    expect(isPemCertificates(pki.caPem)).toBe(true);
    expect(isPemCertificates(`\n${pki.caPem}\n${other}`)).toBe(true);
    expect(isPemCertificates(pki.caPem.replace(/\n/g, '\r\n'))).toBe(true);
  });

  it('refuses anything that is not only certificates', () => {
    const key = readFileSync(pki.keyFile, 'utf8');
    for (const bad of [
      '',
      'hello',
      key,
      `${pki.caPem}${key}`,
      `text before ${pki.caPem}`,
      pki.caPem.replace(/[A-Za-z]{20}/, 'A'.repeat(20)), // a damaged body
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      `${pki.caPem}`.repeat(17),
      pki.caPem + ' '.repeat(MAX_PEM_LENGTH),
      42,
      null,
    ]) {
      expect(isPemCertificates(bad)).toBe(false);
    }
  });
});
