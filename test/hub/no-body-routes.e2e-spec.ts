import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { rawRequest } from '../support/raw-http';

const admin = bearer(TOKENS.legacy);

interface Route {
  method: string;
  path: string;
}

/** Path parameters that reach the handler; DELETE names a task or node that does not exist. */
function concrete(route: Route): string {
  const removing = route.method === 'delete';
  const path = route.path.replace('{name}', removing ? 'no-such-task' : 'running-task').replace('{id}', removing ? 'no-such-node' : 'known-node');
  if (path.endsWith('/logs/requests')) return `${path}?node_id=known-node&wait=0`;
  return path.endsWith('/task') ? `${path}?wait=0` : path;
}

describe('routes that take no body refuse one (SPEC §2.1)', () => {
  let hub: TestHub;
  let routes: Route[];

  beforeAll(async () => {
    hub = await startTestHub();
    await call('POST', '/api/tasks', JSON.stringify({ name: 'running-task', image: 'i' }));
    await call('POST', '/gridnode/register', JSON.stringify({ node_id: 'known-node', hostname: 'h', architecture: 'x86_64', cpu_count: 1 }));
    const doc = (await (await fetch(`${hub.url}/docs-json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => !operation.requestBody)
        .map(([method]) => ({ method, path })),
    );
    // The dashboard's own routes are not in the API document.
    routes.push({ method: 'get', path: '/' });
  });
  afterAll(() => hub.close());

  async function call(method: string, path: string, body?: string, contentType = 'application/json') {
    // The data gateway's routes answer gateway tokens only.
    const auth = path.startsWith('/gateway/') ? bearer(TOKENS.gateway) : admin;
    const headers = body === undefined ? auth : { ...auth, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) };
    const res = await rawRequest(`${hub.url}${path}`, method.toUpperCase(), headers, body);
    return { status: res.status, message: res.json?.message as string | undefined };
  }

  it('the API document lists every GET and DELETE route as taking no body', () => {
    const gets = routes.filter((r) => r.method === 'get').map((r) => r.path);
    expect(gets).toEqual(expect.arrayContaining(['/api/tasks', '/api/tasks/{name}', '/api/nodes', '/api/events', '/api/whoami', '/metrics', '/gridnode/task', '/agent/task', '/health', '/health/ready']));
    expect(routes).toContainEqual({ method: 'delete', path: '/api/tasks/{name}' });
  });

  it('a GET or DELETE with a JSON body, a form or any other body is a 400 naming the route', async () => {
    const answered: string[] = [];
    for (const route of routes.filter((r) => r.method === 'get' || r.method === 'delete')) {
      const path = concrete(route);
      for (const [body, type] of [
        ['{"x":1}', 'application/json'],
        ['[1]', 'application/json'],
        ['x=1', 'application/x-www-form-urlencoded'],
        ['finish please', 'text/plain'],
      ]) {
        const res = await call(route.method, path, body, type);
        answered.push(`${route.method} ${path} ${type}: ${res.status}`);
        expect({ route: `${route.method} ${path}`, type, status: res.status, message: res.message }).toEqual({
          route: `${route.method} ${path}`,
          type,
          status: 400,
          message: expect.stringMatching(/takes no body/),
        });
      }
    }
    expect(answered.length).toBeGreaterThanOrEqual(13 * 4);
  });

  it('none, or {}, still works on every one of them, as the original\'s clients send', async () => {
    for (const route of routes.filter((r) => r.method === 'get' || r.method === 'delete')) {
      const path = concrete(route);
      const bare = await call(route.method, path);
      const empty = await call(route.method, path, '{}');
      // The dashboard answers 503 when its assets are not built: still not about the body.
      // A node's logs: 409, this registered node relays none (it never polled for log requests).
      const expected = route.method === 'delete' ? 404 : path === '/' && bare.status === 503 ? 503 : path.endsWith('/logs') ? 409 : 200;
      expect({ path, status: bare.status }).toEqual({ path, status: expected });
      expect({ path, status: empty.status }).toEqual({ path, status: bare.status });
    }
  });
});
