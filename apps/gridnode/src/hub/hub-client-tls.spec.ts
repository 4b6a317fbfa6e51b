import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeTestPki, TestPki } from '../../../../test/support/tls';
import { HubClient } from './hub-client';
import { HubCertificateError, HubUnreachableError } from './hub-errors';

const REGISTER = { node_id: null, hostname: 'h', architecture: 'x86_64', cpu_count: 1 };

/** The node's hub client against an HTTPS server whose certificate a test CA signed. */
describe('HubClient over HTTPS', () => {
  let pki: TestPki;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    pki = makeTestPki();
    server = hub();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const hub = () =>
    createServer({ cert: readFileSync(pki.certFile), key: readFileSync(pki.keyFile) }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ node_id: 'n1', current_task: null }));
    });

  it('trusts the hub with ca_file', async () => {
    const client = new HubClient(`https://127.0.0.1:${port}`, 't', 5_000, pki.caPem);
    expect((await client.register(REGISTER)).node_id).toBe('n1');
    client.close();
  });

  it.each([
    ['no CA', null],
    ['another CA', 'other'],
  ])('with %s: a certificate error of one line, recoverable like an unreachable hub', async (_what, which) => {
    const ca = which ? readFileSync(pki.otherCaFile, 'utf8') : null;
    const client = new HubClient(`https://127.0.0.1:${port}`, 't', 5_000, ca);
    const err = await client.register(REGISTER).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubCertificateError);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect((err as HubCertificateError).recoverable).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(`^the hub at https://127\\.0\\.0\\.1:${port} presented a certificate signed by a CA this machine does not trust \\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\): set ca_file in gridnode.toml or GRIDNODE_CA_FILE to the CA that signed it$`),
    );
    client.close();
  });

  it('names a certificate that does not name the address', async () => {
    // 127.0.0.2 is loopback too, but not a name in the certificate.
    const elsewhere = hub();
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.2', resolve));
    const client = new HubClient(`https://127.0.0.2:${(elsewhere.address() as AddressInfo).port}`, 't', 5_000, pki.caPem);
    const err = await client.register(REGISTER).catch((e: Error) => e);
    await new Promise((resolve) => elsewhere.close(resolve));
    expect(err).toBeInstanceOf(HubCertificateError);
    expect((err as Error).message).toContain('presented a certificate that does not name 127.0.0.2 (ERR_TLS_CERT_ALTNAME_INVALID)');
    client.close();
  });

  it('says so when the hub answers plain HTTP on an https:// URL', async () => {
    const plain = (await import('node:http')).createServer((req, res) => res.end('{}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const client = new HubClient(`https://127.0.0.1:${(plain.address() as AddressInfo).port}`, 't', 5_000, pki.caPem);
    const err = await client.register(REGISTER).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/does not answer TLS on that port \((EPROTO|ERR_SSL_WRONG_VERSION_NUMBER); is it serving plain http:\/\/\?\)/);
    client.close();
    await new Promise((resolve) => plain.close(resolve));
  });
});
