import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { ensureGridctlBuilt, Gridctl } from './gridctl-cli';

interface Seen {
  method: string;
  url: string;
  body: string;
}

/** A pass-through to the real hub that notes every request gridctl makes. */
function recordingProxy(target: string, seen: Seen[]): Promise<Server> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, body: body.toString() });
      const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      upstream.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Issue 14, fault 4: `gridctl finish` sends the name of the task it finishes. */
describe('gridctl finish names the task it means', () => {
  jest.setTimeout(60_000);
  let hub: TestHub;
  let proxy: Server;
  const seen: Seen[] = [];
  const cli = new Gridctl();
  const admin = bearer(TOKENS.admin);

  beforeAll(async () => {
    ensureGridctlBuilt();
    hub = await startTestHub();
    proxy = await recordingProxy(hub.url, seen);
    await cli.ok(['cluster', 'add', 'lab', '--hub', `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, '--token', TOKENS.admin]);
    for (const name of ['fa', 'fb']) await request(hub.url).post('/api/tasks').set(admin).send({ name, image: 'img:1' }).expect(201);
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => proxy?.close(r));
    await hub?.close();
    cli.cleanup();
  });

  const finishes = () => seen.filter((s) => s.method === 'POST' && s.url === '/api/tasks/finish').map((s) => JSON.parse(s.body));

  it('without a task: sends the name of the running one, and prints it', async () => {
    const r = await cli.ok(['finish']);
    expect(r.stdout).toBe('finished fa; started fb\n');
    expect(finishes()).toEqual([{ name: 'fa' }]);
  });

  it('with a task that is not running: the hub\'s 409 as one line, and nothing changes', async () => {
    const r = await cli.run(['finish', 'fa']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('gridctl: Task fa is not the running task: fb is running\n');
    expect((await request(hub.url).get('/api/tasks').set(admin)).body).toMatchObject({ current: 'fb', completed: ['fa'] });
    expect(finishes()).toEqual([{ name: 'fa' }, { name: 'fa' }]);
  });

  it('with the running task, then with nothing running (no request is sent then)', async () => {
    expect((await cli.ok(['finish', 'fb', '--json'])).stdout).toMatch(/"completed": "fb"/);
    const r = await cli.run(['finish']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('gridctl: No current task running\n');
    expect(finishes()).toEqual([{ name: 'fa' }, { name: 'fa' }, { name: 'fb' }]);
  });
});
