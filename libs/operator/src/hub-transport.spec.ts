import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeTestPki, TestPki } from '../../../test/support/tls';
import { HubClient } from './hub-client';
import { OperatorError } from './operator-error';

/** gridctl's hub client against an HTTPS hub whose CA a test made (`--ca-file`). */
describe('HubClient with a CA (--ca-file)', () => {
  let pki: TestPki;
  let server: Server;
  let url: string;
  const seen: { method?: string; auth?: string; body: string }[] = [];

  beforeAll(async () => {
    pki = makeTestPki();
    server = createServer({ cert: readFileSync(pki.certFile), key: readFileSync(pki.keyFile) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, auth: req.headers.authorization, body });
        if (req.url === '/health') return res.end('OK');
        if (req.url === '/api/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('event: progress\ndata: {"done":1}\n\n');
          res.end('event: task.finished\ndata: {"name":"t"}\n\n');
          return;
        }
        if (req.url === '/api/tasks/gone') return res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"message":"Task gone not found"}');
        if (req.method === 'DELETE') return res.writeHead(204).end();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ tasks: [], echoed: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends requests with the token and body, and reads JSON, 204, 404 and the health text', async () => {
    const hub = new HubClient(url, 'tok-1', { ca: pki.caPem, timeoutMs: 5_000 });
    expect(await hub.healthy()).toBe(true);
    expect(await hub.listTasks()).toEqual({ tasks: [], echoed: null });
    expect(await hub.request('POST', '/api/tasks', { name: 'x' })).toEqual({ tasks: [], echoed: { name: 'x' } });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', auth: 'Bearer tok-1', body: '{"name":"x"}' });
    expect(await hub.removeTask('x')).toBeNull();
    await expect(hub.getTask('gone')).rejects.toThrow('Task gone not found');
  });

  it('reads the event stream', async () => {
    const hub = new HubClient(url, 'tok-1', { ca: pki.caPem });
    const events = [];
    for await (const event of hub.events()) events.push(event);
    expect(events).toEqual([
      { type: 'progress', data: { done: 1 } },
      { type: 'task.finished', data: { name: 't' } },
    ]);
  });

  it('without the CA, or with another: one line naming the certificate problem', async () => {
    for (const ca of [null, readFileSync(pki.otherCaFile, 'utf8')]) {
      const err = await new HubClient(url, 'tok-1', { ca, timeoutMs: 5_000 }).listTasks().catch((e: Error) => e);
      expect(err).toBeInstanceOf(OperatorError);
      expect((err as Error).message).toMatch(
        /^the hub at https:\/\/127\.0\.0\.1:\d+ presented a certificate signed by a CA this machine does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): pass --ca-file FILE/,
      );
    }
  });
});
