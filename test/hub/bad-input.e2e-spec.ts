import fc from 'fast-check';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { rawRequest } from '../support/raw-http';

const legacy = bearer(TOKENS.legacy);

const validBodies: Record<string, Record<string, unknown>> = {
  '/api/tasks': { name: 'prop-task', image: 'img:1', input_redis: 'redis://127.0.0.1:6379', input_queue: 'q:in', cpus: 0.5, env: { A: 'b' } },
  '/gridnode/register': { node_id: 'prop-node', hostname: 'h', architecture: 'x86_64', cpu_count: 2, labels: { a: 'b' }, gpus: [] },
  '/gridnode/heartbeat': { node_id: 'known-node', status: 'Running', active_containers: 1, usage: { cpu_pct: 1, mem_pct: 1, load1: 0, load5: 0, load15: 0 } },
  '/agent/heartbeat': { node_id: 'known-node', status: 'Idle', active_containers: 0 },
  '/agent/register': { node_id: 'prop-node-2', hostname: 'h', architecture: 'aarch64', cpu_count: 4 },
  '/gridnode/deregister': { node_id: 'known-node' },
  '/agent/deregister': { node_id: 'known-node' },
};
const noBodyRoutes: [string, string][] = [
  ['post', '/api/tasks/running-task/finish'],
  ['delete', '/api/tasks/running-task'],
  ['post', '/api/nodes/known-node/stop'],
];
/** Takes none, {} or {group} (issue 19.2). */
const DEAD_REQUEUE = '/api/tasks/running-task/dead/requeue';

/** Every route that reads no body, with parameters that reach its handler. */
const readRoutes: [string, string][] = [
  ['get', '/api/tasks'],
  ['get', '/api/tasks/running-task'],
  ['get', '/api/nodes'],
  ['get', '/api/whoami'],
  ['get', '/api/progress/history'],
  ['get', '/api/events'],
  ['get', '/metrics'],
  ['get', '/gridnode/task?wait=0'],
  ['get', '/agent/task?wait=0'],
  ['get', '/health'],
  ['get', '/health/ready'],
  ['get', '/'],
];

const CODECS: Record<string, (bytes: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
const DECODERS: Record<string, (bytes: Buffer) => Buffer> = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync };

/** Random bytes can be a valid stream (brotli's often are: of an empty body, which is fine). */
function decodes(coding: string, bytes: Buffer): boolean {
  try {
    DECODERS[coding](bytes);
    return true;
  } catch {
    return false;
  }
}

interface EncodedBody {
  headers: Record<string, string>;
  bytes: Buffer;
}

/**
 * A body the route must refuse, encoded every way a client (or an attacker) might: validly
 * compressed, corrupt or cut compression, codings the hub does not read, charsets other than UTF-8.
 */
function encodedBody(refused: fc.Arbitrary<unknown>): fc.Arbitrary<EncodedBody> {
  const json = refused.map((value) => Buffer.from(JSON.stringify(value) ?? 'null'));
  const coding = fc.constantFrom(...Object.keys(CODECS));
  const body = (bytes: Buffer, headers: Record<string, string> = {}): EncodedBody => ({ bytes, headers: { 'Content-Type': 'application/json', ...headers } });
  return fc.oneof(
    fc.tuple(coding, json).map(([c, bytes]) => body(CODECS[c](bytes), { 'Content-Encoding': c })),
    fc.tuple(coding, fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)))
      .filter(([c, bytes]) => !decodes(c, bytes))
      .map(([c, bytes]) => body(bytes, { 'Content-Encoding': c })),
    fc.tuple(coding, json, fc.double({ min: 0, max: 0.9, noNaN: true }))
      .map(([c, bytes, keep]): [string, Buffer] => [c, CODECS[c](bytes).subarray(0, Math.max(1, Math.floor(CODECS[c](bytes).length * keep)))])
      .filter(([c, cut]) => !decodes(c, cut))
      .map(([c, cut]) => body(cut, { 'Content-Encoding': c })),
    fc.tuple(fc.constantFrom('compress', 'x-gzip', 'zstd', 'gzip, br', 'identity, gzip', 'exi', 'aes128gcm', 'GZIP2'), json).map(([c, bytes]) => body(bytes, { 'Content-Encoding': c })),
    fc.tuple(fc.constantFrom('latin1', 'utf-16', 'utf-16le', 'utf-32', 'utf-7', 'us-ascii', 'shift_jis', 'x-unknown'), json).map(([charset, bytes]) =>
      body(bytes, { 'Content-Type': `application/json; charset=${charset}` }),
    ),
    fc.tuple(json, fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80])).map(([bytes, bad]) => {
      const text = bytes.toString('utf8');
      const at = Math.max(1, text.indexOf('"') + 1);
      return body(Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]));
    }),
  );
}

/** A value of the wrong type for whatever a field wants. */
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1_000_000, max: -1 }),
  // JSON has no NaN or Infinity (they would be sent as null, a valid "absent"). A whole number
  // (0 and -0 included, which JSON sends as 0) is a valid count, so only fractions are wrong.
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000 bad name with spaces {}`),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer(), { minKeys: 1, maxKeys: 3 }),
  fc.boolean(),
  fc.string({ minLength: 300, maxLength: 400 }),
);

const REQUIRED = ['name', 'hostname', 'architecture', 'cpu_count', 'status', 'active_containers'];

/** Turns a valid body into an invalid one: an unknown field, a field of the wrong type, a missing one. */
function invalidBody(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/).filter((k) => !(k in valid) && k !== '__proto__'), fc.jsonValue()).map(([k, v]) => ({ ...valid, [k]: v })),
    fc.tuple(fc.constantFrom(...keys), wrongValue)
      .filter(([k, v]) => !(k === 'cpus' && typeof v === 'number' && v > 0 && v <= 1024))
      // null stands for "absent" in an optional field (as serde's Option), so it is valid there.
      .filter(([k, v]) => !(v === null && !REQUIRED.includes(k) && !(k === 'node_id' && !('hostname' in valid))))
      // An empty list is a valid value of a list field (gpus: []).
      .filter(([k, v]) => !(Array.isArray(v) && v.length === 0 && Array.isArray(valid[k])))
      .map(([k, v]) => ({ ...valid, [k]: v })),
    // node_id is required everywhere but on register (null there asks for a new id).
    fc.constantFrom(...keys.filter((k) => REQUIRED.includes(k) || (k === 'node_id' && !('hostname' in valid))))
      .map((k) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k))),
    fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.integer(), fc.string(), fc.constant(null)),
  );
}

describe('bad input never changes state and never gets a 5xx', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await request(hub.url).post('/api/tasks').set(legacy).send({ name: 'running-task', image: 'i' }).expect(201);
    await request(hub.url).post('/api/tasks').set(legacy).send({ name: 'pending-task', image: 'i' }).expect(201);
    await request(hub.url).post('/gridnode/register').set(legacy).send({ node_id: 'known-node', hostname: 'h', architecture: 'x86_64', cpu_count: 1 }).expect(200);
  });
  afterAll(() => hub.close());

  async function snapshot(): Promise<string> {
    const tasks = (await request(hub.url).get('/api/tasks').set(legacy)).body;
    const nodes = (await request(hub.url).get('/api/nodes').set(legacy)).body.map((n: Record<string, unknown>) => ({ ...n, last_seen: undefined }));
    const env = (await request(hub.url).get('/gridnode/task?wait=0').set(legacy)).body;
    return JSON.stringify({ tasks, nodes, revision: env.revision });
  }

  it.each(Object.keys(validBodies))('POST %s: random invalid bodies get a 4xx naming the problem', async (path) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(invalidBody(validBodies[path]), async (body) => {
        const res = await request(hub.url).post(path).set(legacy).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(typeof res.body.message).toBe('string');
        expect(res.body.message.length).toBeGreaterThan(0);
        expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 60) },
    );
    expect(await snapshot()).toBe(before);
  });

  it.each(noBodyRoutes)('%s %s: any body but {} is refused', async (method, path) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }), fc.array(fc.jsonValue(), { minLength: 1, maxLength: 2 })),
        async (body) => {
          const call = method === 'delete' ? request(hub.url).delete(path) : request(hub.url).post(path);
          const res = await call.set(legacy).set('Content-Type', 'application/json').send(JSON.stringify(body));
          expect(res.status).toBe(400);
          expect(res.body.message).toMatch(/takes no body|field name (__proto__|constructor|prototype) is not allowed/);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 25) },
    );
    const call = method === 'delete' ? request(hub.url).delete(path) : request(hub.url).post(path);
    const text = await call.set(legacy).set('Content-Type', 'text/plain').send('finish please');
    expect(text.status).toBe(400);
    expect(await snapshot()).toBe(before);
  });

  const everyRoute: [string, string, fc.Arbitrary<unknown>][] = [
    ...Object.keys(validBodies).map((path): [string, string, fc.Arbitrary<unknown>] => ['post', path, invalidBody(validBodies[path])]),
    // finish and next take {name}: any other field is refused, so no encoded body may name a task.
    ...[...noBodyRoutes, ...readRoutes, ['post', '/api/tasks/finish'], ['post', '/api/tasks/next'], ['post', DEAD_REQUEUE]].map(([method, path]): [string, string, fc.Arbitrary<unknown>] => [
      method,
      path,
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'name' && k !== 'group'), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }),
    ]),
  ];

  it.each(everyRoute)('%s %s: encoded bodies (compressed, corrupt, unknown codings, odd charsets) get a 4xx and change nothing', async (method, path, refused) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(encodedBody(refused), fc.boolean(), async ({ headers, bytes }, withToken) => {
        const res = await rawRequest(`${hub.url}${path}`, method.toUpperCase(), {
          ...(withToken ? legacy : {}),
          ...headers,
          'Content-Length': String(bytes.length),
        }, bytes);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(typeof res.json?.message).toBe('string');
        expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 40) },
    );
    expect(await snapshot()).toBe(before);
  });

  it.each(['/api/tasks/finish', '/api/tasks/next'])('POST %s: any body but none, {} or {name} is refused', async (path) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'name'), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }),
          fc.array(fc.jsonValue(), { minLength: 1, maxLength: 2 }),
          wrongValue.filter((v) => v !== null && (typeof v !== 'string' || !/^[a-zA-Z0-9._-]{1,64}$/.test(v))).map((name) => ({ name })),
        ),
        async (body) => {
          const res = await request(hub.url).post(path).set(legacy).set('Content-Type', 'application/json').send(JSON.stringify(body));
          expect(res.status).toBe(400);
          expect(res.body.message).toMatch(/JSON object|should not exist|name must|malformed JSON|field name (__proto__|constructor|prototype) is not allowed/);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 25) },
    );
    const text = await request(hub.url).post(path).set(legacy).set('Content-Type', 'text/plain').send('finish please');
    expect(text.status).toBe(400);
    const other = await request(hub.url).post(path).set(legacy).send({ name: 'pending-task' });
    expect([other.status, other.body.message]).toEqual([409, 'Task pending-task is not the running task: running-task is running']);
    expect(await snapshot()).toBe(before);
  });

  it('POST dead/requeue: any body but none, {} or {group: <16 hex digits>} is refused', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'group'), fc.jsonValue(), { minKeys: 1, maxKeys: 3 }),
          fc.array(fc.jsonValue(), { minLength: 1, maxLength: 2 }),
          wrongValue.filter((v) => v !== null && (typeof v !== 'string' || !/^[0-9a-f]{16}$/.test(v))).map((group) => ({ group })),
        ),
        async (body) => {
          const res = await request(hub.url).post(DEAD_REQUEUE).set(legacy).set('Content-Type', 'application/json').send(JSON.stringify(body));
          expect(res.status).toBe(400);
          expect(res.body.message).toMatch(/JSON object|should not exist|group must|malformed JSON|field name (__proto__|constructor|prototype) is not allowed/);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 25) },
    );
    const text = await request(hub.url).post(DEAD_REQUEUE).set(legacy).set('Content-Type', 'text/plain').send('requeue please');
    expect(text.status).toBe(400);
    expect(await snapshot()).toBe(before);
  });

  it('rejects malformed JSON, oversized bodies and bad names with clear messages', async () => {
    const before = await snapshot();
    for (const raw of ['{"name":', '{name: "x"}', '{"name":"x",}', '\u0000', '{"a":1}{"b":2}']) {
      const res = await request(hub.url).post('/api/tasks').set(legacy).set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/JSON/);
    }
    // Nested far past any DTO: refused while parsing, on the general and the node protocol's limit.
    for (const [path, depth] of [['/api/tasks', 100_000], ['/gridnode/heartbeat', 8_000]] as const) {
      const deep = `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const res = await request(hub.url).post(path).set(legacy).set('Content-Type', 'application/json').send(deep);
      expect([res.status, res.body.message]).toEqual([400, 'malformed JSON body: nested deeper than 1000 levels']);
    }
    const huge = await request(hub.url)
      .post('/api/tasks')
      .set(legacy)
      .send({ name: 'big', image: 'i', env: { A: 'x'.repeat(400_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.message).toMatch(/larger than the limit/);
    for (const name of ['bad name', 'a/b', 'x'.repeat(65), '../etc', '']) {
      const res = await request(hub.url).post('/api/tasks').set(legacy).send({ name, image: 'i' });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/name must match/);
    }
    await request(hub.url).get(`/api/tasks/${encodeURIComponent('bad name')}`).set(legacy).expect(400);
    await request(hub.url).post('/api/tasks').set(legacy).send({ name: 'noimage' }).expect(400, /image or images is required/);
    await request(hub.url).post('/api/tasks').set(legacy).send({ name: 'r', image: 'i', input_redis: 'http://x' }).expect(400, /input_redis must be a redis/);
    for (const bad of ['yes', 1, 'true', {}]) {
      await request(hub.url).post('/api/tasks').set(legacy).send({ name: 'w', image: 'i', writable_rootfs: bad }).expect(400, /writable_rootfs must be true or false/);
    }
    expect(await snapshot()).toBe(before);
  });
});
