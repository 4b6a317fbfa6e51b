import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { waitFor } from '../support/ports';
import { openSse } from '../support/sse';

/** Every password below, each a string no masked answer may contain. */
const SECRETS = /pwInput1|pwEnvA2|pwEnvB3|pwEnvC4|pwEnvD5|pwEnvE6|pwEnvF7|pwAt8/;

const ENV = {
  PLAIN: 'redis://:pwEnvA2@127.0.0.1:6379',
  TLS: 'rediss://:pwEnvB3@redis.example:6380/0',
  WITH_USER: 'redis://worker:pwEnvC4@127.0.0.1:6379/3',
  QUERY: 'redis://127.0.0.1:6379/0?db=1&password=pwEnvD5',
  IN_TEXT: '--broker redis://:pwEnvE6@10.0.0.1:6379/0 --backend=rediss://u:pwEnvF7@h:6380',
  AT_SIGN: 'redis://:pwAt8@x@h:6379',
  NO_PASSWORD: 'redis://127.0.0.1:6379/0',
  OTHER: 'plain value',
};
const MASKED_ENV = {
  PLAIN: 'redis://:****@127.0.0.1:6379',
  TLS: 'rediss://:****@redis.example:6380/0',
  WITH_USER: 'redis://worker:****@127.0.0.1:6379/3',
  QUERY: 'redis://127.0.0.1:6379/0?db=1&password=****',
  IN_TEXT: '--broker redis://:****@10.0.0.1:6379/0 --backend=rediss://u:****@h:6380',
  AT_SIGN: 'redis://:****@h:6379',
  NO_PASSWORD: 'redis://127.0.0.1:6379/0',
  OTHER: 'plain value',
};

describe('Redis URLs anywhere in a task are masked on /api and SSE, whole on the node routes', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  const task = (name: string) => ({
    name,
    image: 'img:1',
    images: { 'linux/arm64': 'img:arm' },
    input_redis: 'redis://:pwInput1@127.0.0.1:6379',
    input_queue: `${name}:in`,
    env: ENV,
  });

  it('masks env values (whole URLs, URLs inside text, users, query passwords) in every answer and event, for every role', async () => {
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    try {
      const created = await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send(task('env-masked')).expect(201);
      expect(created.body.env).toEqual(MASKED_ENV);
      expect(JSON.stringify(created.body)).not.toMatch(SECRETS);
      await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send(task('env-pending')).expect(201);

      for (const token of [TOKENS.viewer, TOKENS.admin, TOKENS.legacy]) {
        const list = await request(hub.url).get('/api/tasks').set(bearer(token)).expect(200);
        expect(JSON.stringify(list.body)).not.toMatch(SECRETS);
        expect(list.body.tasks[0].env).toEqual(MASKED_ENV);
        const one = await request(hub.url).get('/api/tasks/env-masked').set(bearer(token)).expect(200);
        expect(one.body.env).toEqual(MASKED_ENV);
        expect(one.body.input_redis).toBe('redis://:****@127.0.0.1:6379');
      }

      const removed = await request(hub.url).delete('/api/tasks/env-pending').set(bearer(TOKENS.admin)).expect(200);
      expect(removed.body.removed[0].env).toEqual(MASKED_ENV);
      await request(hub.url).post('/api/tasks/finish').set(bearer(TOKENS.admin)).expect(200);
      const finished = await request(hub.url).get('/api/tasks/env-masked').set(bearer(TOKENS.viewer)).expect(200);
      expect(JSON.stringify(finished.body)).not.toMatch(SECRETS);

      await waitFor(() => ['task.registered', 'task.started', 'task.removed', 'task.finished'].every((t) => sse.events.some((e) => e.type === t)), 5000, 'task events on SSE');
      expect(JSON.stringify(sse.events)).not.toMatch(SECRETS);
      const started = sse.events.find((e) => e.type === 'task.started')!.data as { data: { env: unknown } };
      expect(started.data.env).toEqual(MASKED_ENV);
    } finally {
      sse.close();
    }
  });

  it("masks a Redis URL a node reports (a container's last error, a label) on /api/nodes and SSE", async () => {
    const sse = openSse(`${hub.url}/api/events`, TOKENS.viewer);
    await sse.ready;
    try {
      const node = bearer(TOKENS.legacy);
      await request(hub.url)
        .post('/gridnode/register')
        .set(node)
        .send({ node_id: 'leaky-node', hostname: 'h', architecture: 'x86_64', cpu_count: 1, labels: { broker: 'redis://:pwLabel1@h:6379' } })
        .expect(200);
      const lastError = 'ConnectionError: Error connecting to redis://worker:pwError2@10.0.0.9:6379/0 (timeout)';
      await request(hub.url)
        .post('/gridnode/heartbeat')
        .set(node)
        .send({ node_id: 'leaky-node', status: 'Error', active_containers: 0, instances: [{ instance: 0, state: 'error', restarts: 3, last_error: lastError }] })
        .expect(200);
      const nodes = await request(hub.url).get('/api/nodes').set(bearer(TOKENS.viewer)).expect(200);
      const shown = nodes.body.find((n: { id: string }) => n.id === 'leaky-node');
      expect(shown.labels.broker).toBe('redis://:****@h:6379');
      expect(shown.instances[0].last_error).toBe('ConnectionError: Error connecting to redis://worker:****@10.0.0.9:6379/0 (timeout)');
      await waitFor(() => sse.events.some((e) => e.type === 'node.updated'), 5000, 'node.updated on SSE');
      expect(JSON.stringify(sse.events)).not.toMatch(/pwLabel1|pwError2/);
    } finally {
      sse.close();
    }
  });

  it('gives the node routes every value whole for a trusted-lab node, for the container env', async () => {
    await request(hub.url).post('/api/tasks').set(bearer(TOKENS.admin)).send(task('env-whole')).expect(201);
    for (const path of ['/gridnode/task?wait=0&platform=linux/amd64', '/agent/task?wait=0&platform=linux/amd64']) {
      // The legacy token: a volunteer's node token gets a scoped Redis user instead (issue 16.4).
      const res = await request(hub.url).get(path).set(bearer(TOKENS.legacy)).expect(200);
      expect(res.body.task.env).toEqual(ENV);
      expect(res.body.task.input_redis).toBe('redis://:pwInput1@127.0.0.1:6379');
    }
    await request(hub.url).post('/api/tasks/finish').set(bearer(TOKENS.admin)).expect(200);
  });
});
