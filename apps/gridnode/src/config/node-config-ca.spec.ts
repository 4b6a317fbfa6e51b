import { join } from 'node:path';
import type { ConfigSource } from '@gridcore/config';
import { configErrorMessage as failure, envSource } from '../../../../test/support/config-source';
import { makeTestPki, TestPki } from '../../../../test/support/tls';
import { loadNodeConfig } from './node-config';

const source = (env: Record<string, string>): ConfigSource => envSource({ GRIDNODE_SERVER_URL: 'https://127.0.0.1:8443', ...env });

describe('gridnode ca_file', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });

  it('reads the CA at start; none: the system CAs only', () => {
    expect(loadNodeConfig(source({ GRIDNODE_CA_FILE: pki.caFile })).hubCa).toBe(pki.caPem);
    expect(loadNodeConfig(source({})).hubCa).toBeNull();
  });

  it('names a missing file and a file that is no certificate in one line', () => {
    const missing = join(pki.dir, 'missing.pem');
    expect(failure(() => loadNodeConfig(source({ GRIDNODE_CA_FILE: missing })))).toBe(`config: ca_file ${missing} cannot be read (ENOENT)`);
    expect(failure(() => loadNodeConfig(source({ GRIDNODE_CA_FILE: pki.keyFile })))).toBe(`config: ca_file ${pki.keyFile} is not a PEM certificate`);
  });
});
