import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';

// The legacy token: node_tokens are join tokens, which only register (issue 16).
const node = bearer(TOKENS.legacy);
const viewer = bearer(TOKENS.viewer);

const registerBody = (id: string, extra: Record<string, unknown> = {}) => ({
  node_id: id,
  hostname: `host-${id}`,
  architecture: 'x86_64',
  cpu_count: 8,
  ...extra,
});

const beat = (id: string, extra: Record<string, unknown> = {}) => ({ node_id: id, status: 'Running', active_containers: 1, ...extra });

const instances = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ instance: i, state: 'running', restarts: 0, ...extra }));

/** A record close to the 16 KiB body limit: 40 labels of 256 characters (about 11 KB). */
const bigLabels = (seed: string) => Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`label-${i}`, `${seed}-`.padEnd(256, 'x')]));

describe('bounded node records (issue 14, fault 1)', () => {
  let hub: TestHub | undefined;

  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  const nodes = async (): Promise<Array<Record<string, any>>> => (await request(hub!.url).get('/api/nodes').set(viewer).expect(200)).body;

  it('answers 413 naming the limit to a 250 KB heartbeat or register body, and stores nothing', async () => {
    hub = await startTestHub();
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('n1')).expect(200);
    const before = await nodes();
    // As the adversarial run sent them: 125 instances with 2,000-character errors (older hubs stored it).
    const hugeBeat = beat('n1', { instances: instances(125, { last_error: 'e'.repeat(2_000) }) });
    expect(JSON.stringify(hugeBeat).length).toBeGreaterThan(250_000);
    const hugeRegister = registerBody('n2', { pad: 'x'.repeat(250_000) });
    for (const [path, body] of [
      ['/gridnode/heartbeat', hugeBeat],
      ['/agent/heartbeat', hugeBeat],
      ['/gridnode/register', hugeRegister],
      ['/agent/register', hugeRegister],
    ] as const) {
      const res = await request(hub.url).post(path).set(node).send(body);
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'request body is larger than the limit of 16384 bytes (counted decoded)' });
    }
    // Just over the limit, without a Content-Length (chunked), is refused too.
    const chunked = await fetch(`${hub.url}/gridnode/heartbeat`, {
      method: 'POST',
      headers: { ...node, 'content-type': 'application/json' },
      body: new Blob([JSON.stringify({ ...beat('n1'), pad: 'y'.repeat(17_000) })]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await nodes()).toEqual(before);
    // The rest of the API keeps its 256 KiB limit: a 20 KB task body is read (and judged on its fields).
    const task = await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send({ name: 't', image: 'i', junk: 'x'.repeat(20_000) });
    expect(task.status).toBe(400);
    expect(task.body.message).toMatch(/property junk should not exist/);
  });

  it('answers 400 naming the field to lists and strings over their caps, and stores nothing', async () => {
    hub = await startTestHub();
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('capped', { parallelism: 4 })).expect(200);
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('free')).expect(200);
    const before = await nodes();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['/gridnode/heartbeat', beat('free', { instances: instances(257) }), /instances must contain no more than 256 elements/],
      ['/gridnode/heartbeat', beat('capped', { instances: instances(5) }), /instances has 5 entries, more than the parallelism 4 node capped registered with/],
      ['/gridnode/heartbeat', beat('free', { instances: instances(1, { last_error: 'e'.repeat(257) }) }), /instances\.0\.last_error must be shorter than or equal to 256 characters/],
      [
        '/gridnode/heartbeat',
        beat('free', { usage: { cpu_pct: 1, mem_pct: 1, load1: 0, load5: 0, load15: 0, gpus: Array.from({ length: 65 }, (_, index) => ({ index, util_pct: 0, mem_used_mib: 0, mem_total_mib: 1 })) } }),
        /usage\.gpus must contain no more than 64 elements/,
      ],
      ['/gridnode/register', registerBody('new-1', { gpus: Array.from({ length: 65 }, (_, index) => ({ index, name: 'g', memory_total_mib: 1 })) }), /gpus must contain no more than 64 elements/],
      ['/gridnode/register', registerBody('new-2', { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }), /labels must be an object of at most 64 entries/],
      ['/gridnode/register', registerBody('new-3', { labels: { k: 'v'.repeat(257) } }), /labels must be an object .* at most 256 characters/],
      ['/gridnode/register', registerBody('new-4', { hostname: 'h'.repeat(256) }), /hostname must be shorter than or equal to 255 characters/],
      ['/gridnode/register', registerBody('new-5', { platform: `linux/${'a'.repeat(300)}` }), /platform must be shorter than or equal to 64 characters/],
    ];
    for (const [path, body, message] of cases) {
      const res = await request(hub.url).post(path).set(node).send(body);
      expect({ path, status: res.status, message: res.body.message }).toEqual({ path, status: 400, message: expect.stringMatching(message) });
    }
    expect(await nodes()).toEqual(before);
    // At the caps everything is taken.
    await request(hub.url).post('/gridnode/heartbeat').set(node).send(beat('capped', { instances: instances(4) })).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(node).send(beat('free', { instances: instances(256) })).expect(200);
  });

  it('keeps at most max_nodes records and refuses a new node past it with a clear 503', async () => {
    hub = await startTestHub({ max_nodes: 3 });
    for (const id of ['a', 'b', 'c']) await request(hub.url).post('/gridnode/register').set(node).send(registerBody(id)).expect(200);
    const refused = await request(hub.url).post('/gridnode/register').set(node).send(registerBody('d'));
    expect(refused.status).toBe(503);
    expect(refused.body.message).toBe('the hub keeps at most 3 node records (max_nodes); node d cannot register now');
    const fresh = await request(hub.url).post('/gridnode/register').set(node).send(registerBody('x', { node_id: null }));
    expect(fresh.status).toBe(503);
    expect(fresh.body.message).toBe('the hub keeps at most 3 node records (max_nodes); a new node cannot register now');
    // A known node registers again as before; one that leaves makes room.
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('b')).expect(200);
    await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'a' }).expect(200);
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('d')).expect(200);
    expect((await nodes()).map((n) => n.id).sort()).toEqual(['b', 'c', 'd']);
  });

  it('streams GET /api/nodes of many large records in chunks, the same array the pages make', async () => {
    hub = await startTestHub();
    const ids = Array.from({ length: 400 }, (_, i) => `big-${String(i).padStart(4, '0')}`).reverse();
    for (const id of ids) {
      await request(hub.url).post('/gridnode/register').set(node).send(registerBody(id, { labels: bigLabels(id) })).expect(200);
    }
    const res = await fetch(`${hub.url}/api/nodes`, { headers: viewer });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    // Written piece by piece: no Content-Length, and many reads rather than one.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    let reads = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      reads += 1;
      text += decoder.decode(chunk, { stream: true });
    }
    expect(text.length).toBeGreaterThan(4_000_000);
    expect(reads).toBeGreaterThan(10);
    const all = JSON.parse(text) as Array<{ id: string; labels: Record<string, string> }>;
    // Without limit: today's array, in registration order.
    expect(all.map((n) => n.id)).toEqual(ids);
    expect(all[0].labels).toEqual(bigLabels(ids[0]));

    // Paged: sorted by id, the cursor in a Link header, until no Link is left.
    const paged: string[] = [];
    let next: string | null = '/api/nodes?limit=150';
    let pages = 0;
    while (next && pages++ < 10) {
      const page = await request(hub.url).get(next).set(viewer).expect(200);
      expect(page.body.length).toBeLessThanOrEqual(150);
      paged.push(...page.body.map((n: { id: string }) => n.id));
      const link = page.headers.link as string | undefined;
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : null;
    }
    expect(pages).toBe(3);
    expect(paged).toEqual([...ids].sort());
    const after = await request(hub.url).get(`/api/nodes?limit=2&after=${ids[0]}`).set(viewer).expect(200);
    expect(after.body).toEqual([]);
    expect(after.headers.link).toBeUndefined();
    const between = await request(hub.url).get('/api/nodes?limit=2&after=big-0100x').set(viewer).expect(200);
    expect(between.body.map((n: { id: string }) => n.id)).toEqual(['big-0101', 'big-0102']);
    expect(between.headers.link).toBe('</api/nodes?limit=2&after=big-0102>; rel="next"');
  });

  it('answers 400 to bad limit and after values', async () => {
    hub = await startTestHub();
    const bad: Array<[string, RegExp]> = [
      ['limit=0', /limit must be an integer from 1 to 1000/],
      ['limit=1001', /limit must be an integer from 1 to 1000/],
      ['limit=abc', /limit must be an integer/],
      ['limit=1.5', /limit must be an integer/],
      ['limit=', /limit must be an integer/],
      ['limit=1&limit=2', /limit must be an integer/],
      ['limit=5&after=bad%20id!', /after must match/],
      ['limit=5&after=', /after must match/],
      ['after=a', /after needs limit/],
      ['other=1', /property other should not exist/],
    ];
    for (const [query, message] of bad) {
      const res = await request(hub.url).get(`/api/nodes?${query}`).set(viewer);
      expect({ query, status: res.status, message: res.body.message }).toEqual({ query, status: 400, message: expect.stringMatching(message) });
    }
  });

  it('saves records one by one in nodes.log and brings them back after a restart', async () => {
    hub = await startTestHub();
    const stateDir = hub.stateDir;
    for (const id of ['keep', 'leave', 'stop']) await request(hub.url).post('/gridnode/register').set(node).send(registerBody(id)).expect(200);
    await request(hub.url).post('/gridnode/deregister').set(node).send({ node_id: 'leave' }).expect(200);
    await request(hub.url).post('/api/nodes/stop/stop').set(bearer(TOKENS.admin)).expect(200);
    const lines = readFileSync(join(stateDir, 'nodes.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // A node that leaves stays listed (Offline, left_at): its record is written again, not removed.
    expect(lines.map((l) => l.put?.id ?? `-${l.remove}`)).toEqual(['keep', 'leave', 'stop', 'leave', 'stop']);
    expect(lines[3].put.left_at).toEqual(expect.any(String));
    expect(existsSync(join(stateDir, 'nodes.json'))).toBe(false);
    await hub.close();
    // What a crash in the middle of an append leaves: a torn last line, which costs nothing else.
    appendFileSync(join(stateDir, 'nodes.log'), '{"put":{"id":"torn","hostname":"h-to');

    hub = await startTestHub({ state_dir: stateDir });
    const after = await nodes();
    expect(after.map((n) => [n.id, n.status, n.stopping, !!n.left_at])).toEqual([
      ['keep', 'Offline', false, false],
      ['leave', 'Offline', false, true],
      ['stop', 'Offline', true, false],
    ]);
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('after-crash')).expect(200);
    expect(readFileSync(join(stateDir, 'nodes.log'), 'utf8').endsWith('}\n')).toBe(true);
    expect((await nodes()).map((n) => n.id)).toEqual(['keep', 'leave', 'stop', 'after-crash']);
  });

  it('loads the nodes.json of older versions, and keeps it migrated', async () => {
    hub = await startTestHub();
    const stateDir = hub.stateDir;
    await hub.close();
    const legacy = ['old-a', 'old-b'].map((id) => ({
      id, hostname: `h-${id}`, architecture: 'aarch64', cpu_count: 2, platform: 'linux/arm64', version: null, labels: { zone: 'x' },
      memory_total_mb: null, parallelism: null, gpus: [], registered_at: '2026-01-01T00:00:00.000Z', last_seen_ms: Date.now(), stop_requested: false,
    }));
    writeFileSync(join(stateDir, 'nodes.json'), JSON.stringify(legacy));
    hub = await startTestHub({ state_dir: stateDir });
    expect((await nodes()).map((n) => [n.id, n.platform, n.labels])).toEqual([
      ['old-a', 'linux/arm64', { zone: 'x' }],
      ['old-b', 'linux/arm64', { zone: 'x' }],
    ]);
    await request(hub.url).post('/gridnode/register').set(node).send(registerBody('new')).expect(200);
    await hub.close();
    hub = await startTestHub({ state_dir: stateDir });
    expect((await nodes()).map((n) => n.id)).toEqual(['old-a', 'old-b', 'new']);
    expect(existsSync(join(stateDir, 'nodes.json.migrated'))).toBe(true);
  });
});
