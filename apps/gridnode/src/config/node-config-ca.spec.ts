import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigSource } from '@gridcore/config';
import { makeTestPki, TestPki } from '../../../../test/support/tls';
import { loadNodeConfig } from './node-config';

const source = (env: Record<string, string>): ConfigSource => {
  const home = mkdtempSync(join(tmpdir(), 'gridnode-ca-'));
  return { argv: [], env: { GRIDNODE_SERVER_URL: 'https://127.0.0.1:8443', ...env }, homeDir: home, systemDirs: [join(home, 'etc')] };
};

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

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
