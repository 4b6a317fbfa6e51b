import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { HubClient } from './hub-client';
import { HubHttpError, HubUnreachableError } from './hub-errors';

/** A tiny stand-in for the hub's node routes (the real hub is used in test/node). */
function fakeHub(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('HubClient', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('sends the bearer token and JSON bodies to the §2.6 routes', async () => {
    const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
    const { url, server } = await fakeHub((req, body, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/gridnode/register') return res.end(JSON.stringify({ node_id: 'n1', current_task: null }));
      if (req.url === '/gridnode/heartbeat') return res.end(JSON.stringify({ stop_requested: true }));
      res.end(JSON.stringify({ node_id: 'n1' }));
    });
    servers.push(server);
    const client = new HubClient(`${url}/`, 'sekret');
    await expect(client.register({ node_id: null, hostname: 'h', architecture: 'x86_64', cpu_count: 2 })).resolves.toEqual({ node_id: 'n1', current_task: null });
    await expect(client.heartbeat({ node_id: 'n1', status: 'Idle', active_containers: 0 })).resolves.toEqual({ stop_requested: true });
    await client.deregister('n1');
    expect(seen.map((s) => `${s.method} ${s.url} ${s.auth}`)).toEqual([
      'POST /gridnode/register Bearer sekret',
      'POST /gridnode/heartbeat Bearer sekret',
      'POST /gridnode/deregister Bearer sekret',
    ]);
    expect(JSON.parse(seen[2].body)).toEqual({ node_id: 'n1' });
    client.close();
  });

  it('long-polls with platform, wait, revision and node_id', async () => {
    const urls: string[] = [];
    const { url, server } = await fakeHub((req, _body, res) => {
      urls.push(req.url!);
      res.end(JSON.stringify({ revision: 4, stop_requested: false, task: null }));
    });
    servers.push(server);
    const client = new HubClient(url, null);
    await client.pollTask({ platform: 'linux/amd64', waitS: 30, revision: null, nodeId: 'n1' });
    await client.pollTask({ platform: 'linux/arm/v7', waitS: 30, revision: 4, nodeId: 'n1' });
    expect(urls).toEqual([
      '/gridnode/task?platform=linux%2Famd64&wait=30&node_id=n1',
      '/gridnode/task?platform=linux%2Farm%2Fv7&wait=30&revision=4&node_id=n1',
    ]);
    client.close();
  });

  it('turns a 404 into a HubHttpError carrying the hub message', async () => {
    const { url, server } = await fakeHub((_req, _body, res) => {
      res.statusCode = 404;
      res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'Node n9 not found' }));
    });
    servers.push(server);
    const err = await new HubClient(url, 't').heartbeat({ node_id: 'n9', status: 'Idle', active_containers: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(HubHttpError);
    expect(err.status).toBe(404);
    expect(err.recoverable).toBe(false);
    expect(err.message).toBe('hub answered 404 on POST /gridnode/heartbeat: Node n9 not found');
  });

  it('reports a hub that is down or silent as unreachable', async () => {
    const down = await new HubClient('http://127.0.0.1:1', 't').register({ node_id: null, hostname: 'h', architecture: 'x', cpu_count: 1 }).catch((e) => e);
    expect(down).toBeInstanceOf(HubUnreachableError);
    expect(down.message).toBe('hub unreachable at http://127.0.0.1:1 (ECONNREFUSED)');
    const { url, server } = await fakeHub(() => undefined);
    servers.push(server);
    const silent = (await new HubClient(url, 't', 200).deregister('n1').catch((e: Error) => e)) as Error;
    expect(silent).toBeInstanceOf(HubUnreachableError);
    expect(silent.message).toContain('ETIMEDOUT');
    server.closeAllConnections();
  });
});
