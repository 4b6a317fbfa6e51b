import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { hubFetch } from '../../libs/operator/src/hub-transport';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { ensureBuilt, HubProcess, startHubProcess } from '../support/hub-process';
import { freePort } from '../support/ports';
import Redis from 'ioredis';
import { makeTestPki, startTlsRedis, TestPki } from '../support/tls';

/** Issue 16 point 5: the hub's HTTPS, and the task field redis_tls_ca. */
describe('the hub with TLS', () => {
  jest.setTimeout(120_000);
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });

  describe('serving HTTPS (tls_cert, tls_key)', () => {
    let hub: HubProcess;
    beforeAll(async () => {
      hub = await startHubProcess({ tls: { certFile: pki.certFile, keyFile: pki.keyFile, ca: pki.caPem } });
    });
    afterAll(async () => {
      await hub?.stop();
    });

    it('answers the health probes and the API over HTTPS to a client that trusts its CA', async () => {
      const send = hubFetch(pki.caPem);
      for (const path of ['/health', '/health/live', '/health/ready']) expect((await send(`${hub.url}${path}`)).status).toBe(200);
      expect((await hub.api('GET', '/api/tasks')).status).toBe(200);
      expect(hub.output()).toMatch(new RegExp(`listening on https://127\\.0\\.0\\.1:${hub.port}`));
    });

    it('verifies: a client without the CA is refused the handshake, and plain HTTP gets no answer', async () => {
      const err = await fetch(`${hub.url}/health`).catch((e: Error & { cause?: { code?: string } }) => e);
      expect((err as { cause?: { code?: string } }).cause?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const plain = await new Promise<string>((resolve) => {
        const req = httpRequest(`http://127.0.0.1:${hub.port}/health`, (res) => resolve(`answered ${res.statusCode}`));
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        req.end();
      });
      expect(plain).not.toMatch(/^answered 200/);
    });
  });

  it('refuses to start with a key of another certificate: exit 2, one line naming both files', async () => {
    const entry = ensureBuilt('computehub');
    const state = mkdtempSync(join(tmpdir(), 'gc-tls-state-'));
    const run = spawnSync(process.execPath, [entry], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: state,
        COMPUTEHUB_TOKEN: 'tls-token-0001',
        COMPUTEHUB_BIND: `127.0.0.1:${await freePort()}`,
        COMPUTEHUB_STATE_DIR: state,
        COMPUTEHUB_TLS_CERT: pki.certFile,
        COMPUTEHUB_TLS_KEY: join(pki.dir, 'other-ca.key'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`config: tls_key ${join(pki.dir, 'other-ca.key')} does not match the certificate in tls_cert ${pki.certFile}`);
  });

  it('keeps its state in a rediss:// store whose CA it trusts through NODE_EXTRA_CA_CERTS', async () => {
    const redis = await startTlsRedis(pki);
    const client = new Redis(redis.url, { tls: { ca: pki.caPem } });
    let hub: HubProcess | undefined;
    try {
      const env = { COMPUTEHUB_STATE_STORE: 'redis', COMPUTEHUB_STATE_REDIS_URL: redis.url, NODE_EXTRA_CA_CERTS: pki.caFile };
      hub = await startHubProcess({ env });
      expect((await hub.api('GET', '/health/ready')).status).toBe(200);
      expect((await hub.api('POST', '/api/tasks', { name: 'kept-over-tls', image: 'img:1' })).status).toBe(201);
      expect((await client.keys('*')).length).toBeGreaterThan(0);
      const { port, stateDir, token } = hub;
      await hub.stop();
      hub = await startHubProcess({ port, stateDir, token, env });
      expect((await hub.api('GET', '/api/tasks/kept-over-tls')).status).toBe(200);
    } finally {
      await hub?.stop();
      client.disconnect();
      await redis.stop();
    }
  });

  describe('the task field redis_tls_ca', () => {
    let hub: TestHub;
    beforeAll(async () => {
      hub = await startTestHub();
    });
    afterAll(async () => {
      await hub?.close();
    });
    const body = (name: string, extra: Record<string, unknown>) => ({ name, image: 'img:1', input_redis: 'rediss://127.0.0.1:1', input_queue: `${name}:in`, ...extra });

    it.each([
      ['not PEM', 'hello'],
      ['a private key', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'],
      ['a truncated certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
      ['a number', 42],
    ])('answers 400 naming the field for %s, and registers nothing', async (_what, value) => {
      const res = await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send(body('bad-ca', { redis_tls_ca: value })).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('redis_tls_ca must be PEM text of one or more X.509 certificates');
      await request(hub.url).get('/api/tasks/bad-ca').set(bearer(TOKENS.admin)).expect(404);
    });

    it('refuses a certificate followed by a private key', async () => {
      const withKey = `${pki.caPem}-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n`;
      await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send(body('key-ca', { redis_tls_ca: withKey })).expect(400);
    });

    it('keeps a valid CA, shows it in the record and hands it to nodes in the TaskConfig', async () => {
      await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send(body('good-ca', { redis_tls_ca: pki.caPem })).expect(201);
      const record = await request(hub.url).get('/api/tasks/good-ca').set(bearer(TOKENS.viewer)).expect(200);
      expect(record.body.redis_tls_ca).toBe(pki.caPem);
      const poll = await request(hub.url).get('/gridnode/task?wait=0').set(bearer(TOKENS.legacy)).expect(200);
      expect(poll.body.task.task_name).toBe('good-ca');
      expect(poll.body.task.redis_tls_ca).toBe(pki.caPem);
      expect(poll.body.task.input_redis).toBe('rediss://127.0.0.1:1');
    });
  });
});
