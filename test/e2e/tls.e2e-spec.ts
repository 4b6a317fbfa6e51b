import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Gridctl, ensureGridctlBuilt } from '../gridctl/gridctl-cli';
import { AgentProcess, startAgent } from '../node/support/agent-process';
import { nodeContainers, waitForNodeId } from '../node/support/grid';
import { removeLabelled, requireDockerEngine } from '../node/support/test-image';
import { ensureExampleImages } from '../support/example-images';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { waitFor } from '../support/ports';
import { QUICK_HUB_TICKS } from '../support/real-grid';
import type { RunningRedis } from '../support/redis-server';
import { checkSqrtResults, range } from '../support/sqrt-results';
import { makeTestPki, startTlsRedis, TestPki } from '../support/tls';

/**
 * Issue 16 points 5 and 7: a hub serving HTTPS with a certificate from a CA the test made, a
 * GridNode that trusts that CA through ca_file, a redis-server that speaks only TLS, and tasks
 * whose input and output are rediss:// URLs with the CA in redis_tls_ca. The example workers
 * (Node and Python SDK) process 10,000 items each, pushed by gridctl over TLS; every item has
 * exactly one result. A node and gridctl without the CA say in one line what is wrong.
 */
describe('HTTPS hub and rediss:// end to end', () => {
  jest.setTimeout(600_000);
  const N = 10_000;
  const PASSWORD = 'tls-redis-password-1';
  let pki: TestPki;
  let redis: RunningRedis;
  let client: Redis;
  let hub: HubProcess;
  let agent: AgentProcess;
  let nodeId = '';
  let images: { node: string; python: string };
  const gridctl = new Gridctl();
  const items = join(gridctl.configHome, 'items.txt');
  const tags: string[] = [];

  beforeAll(async () => {
    requireDockerEngine();
    ensureGridctlBuilt();
    const [node, python] = await ensureExampleImages('node', 'python');
    // Other worktrees build the same :local tags from their own sources: run on a copy of ours.
    images = { node: `gridcore-test/tls-node-worker:${process.pid}`, python: `gridcore-test/tls-python-worker:${process.pid}` };
    execFileSync('docker', ['tag', node, images.node]);
    execFileSync('docker', ['tag', python, images.python]);
    tags.push(images.node, images.python);
    pki = makeTestPki();
    redis = await startTlsRedis(pki, { password: PASSWORD });
    client = new Redis(redis.url, { tls: { ca: pki.caPem } });
    hub = await startHubProcess({ tls: { certFile: pki.certFile, keyFile: pki.keyFile, ca: pki.caPem }, env: { ...QUICK_HUB_TICKS } });
    agent = startAgent({ GRIDNODE_SERVER_URL: hub.url, GRIDNODE_TOKEN: hub.token, GRIDNODE_PARALLELISM: '2', GRIDNODE_CA_FILE: pki.caFile });
    nodeId = await waitForNodeId(agent.stateDir, 60_000);
    writeFileSync(items, `${range(N).join('\n')}\n`);
    const redisUrl = redis.url.replace(`:${PASSWORD}@`, '');
    await gridctl.ok(['cluster', 'add', 'tls', '--hub', hub.url, '--token', hub.token, '--redis', redisUrl, '--redis-password', PASSWORD, '--ca-file', pki.caFile]);
  }, 900_000);

  afterAll(async () => {
    if (agent) {
      agent.signal('SIGTERM');
      await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 15_000))]);
      agent.signal('SIGKILL');
    }
    if (nodeId) removeLabelled(`gridcore.node=${nodeId}`);
    client?.disconnect();
    await hub?.stop();
    await redis?.stop();
    gridctl.cleanup();
    for (const tag of tags) execFileSync('docker', ['rmi', tag], { stdio: 'ignore' });
  });

  it('serves HTTPS only: the hub said so, and the node registered over it with ca_file', async () => {
    expect(hub.url).toMatch(/^https:\/\//);
    expect(hub.output()).toMatch(/serving HTTPS with .*server\.pem/);
    expect(agent.output()).toMatch(new RegExp(`registered with ${hub.url.replace(/[.]/g, '\\.')} as ${nodeId}`));
  });

  for (const kind of ['node', 'python'] as const) {
    it(`runs 10,000 items through the ${kind} example worker on rediss:// with redis_tls_ca, each exactly once`, async () => {
      const name = `tls-${kind}`;
      const [input, output] = [`${name}:in`, `${name}:out`];
      const started = Date.now();
      await gridctl.ok(['task', 'add', name, '--image', images[kind], '--input-queue', input, '--output-queue', output, '--redis-tls-ca', pki.caFile, '--wait-s', '0']);
      const record = (await hub.api('GET', `/api/tasks/${name}`)).body;
      expect(record.input_redis).toMatch(/^rediss:\/\//);
      expect(record.redis_tls_ca).toBe(pki.caPem);
      const pushed = await gridctl.ok(['push', name, '--file', items, '--no-progress', '--json'], { timeoutMs: 120_000 });
      expect(JSON.parse(pushed.stdout).pushed).toBe(N);

      await waitFor(() => nodeContainers(nodeId, name).length > 0, 60_000, `${name} containers`, 200);
      const env = nodeContainers(nodeId, name)[0].env;
      expect(env.REDIS_TLS_CA).toBe(pki.caPem);
      expect(env.INPUT_REDIS_URL).toMatch(/^rediss:\/\//);

      await waitFor(async () => (await client.llen(output)) >= N, 300_000, `${N} results of ${name}`, 500);
      const seconds = (Date.now() - started) / 1000;
      // Let anything late land before counting: a duplicate would arrive after the N-th result.
      await new Promise((r) => setTimeout(r, 3_000));
      const results = await client.lrange(output, 0, -1);
      const check = checkSqrtResults(results, N);
      console.log(`tls ${kind} worker: ${JSON.stringify({ items: N, results: results.length, ...check, seconds })}`);
      expect(check).toMatchObject({ distinct: N, missing: 0, duplicated: 0, unexpected: 0, wrong: 0 });
      expect(results).toHaveLength(N);
      expect(await client.llen(input)).toBe(0);

      // The hub samples progress over rediss:// with the task's CA.
      const fresh = await waitFor(async () => {
        const t = (await hub.api('GET', `/api/tasks/${name}?fresh=1`)).body;
        return t.progress?.done >= N && t.progress.output_length === N ? t : null;
      }, 30_000, `${name} progress sampled`, 500);
      expect(fresh.progress).toMatchObject({ done: N, output_length: N, pending: 0, error: null });
      const finished = await gridctl.run(['finish', name]);
      expect(finished.code).toBe(0);
      await waitFor(() => nodeContainers(nodeId, name).length === 0, 60_000, `${name} containers gone`, 200);
    });
  }

  it('gridctl without the CA fails with one line naming the certificate problem; with --ca-file it works', async () => {
    const bare = new Gridctl();
    try {
      await bare.ok(['cluster', 'add', 'bare', '--hub', hub.url, '--token', hub.token, '--no-check']);
      const refused = await bare.run(['task', 'list']);
      expect(refused.code).not.toBe(0);
      const lines = refused.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `gridctl: the hub at ${hub.url} presented a certificate signed by a CA this machine does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): pass --ca-file FILE (or ca_file in the cluster's profile) with the CA that signed it`,
      );
      const wrongCa = await bare.run(['--ca-file', pki.otherCaFile, 'task', 'list']);
      expect(wrongCa.code).not.toBe(0);
      expect(wrongCa.stderr).toMatch(/does not trust \(\w+\): pass --ca-file/);
      expect(wrongCa.stderr).not.toMatch(/\n\s+at /);
      const missing = await bare.run(['--ca-file', join(pki.dir, 'nope.pem'), 'task', 'list']);
      expect(missing.stderr.trim()).toBe(`gridctl: --ca-file ${join(pki.dir, 'nope.pem')} cannot be read (ENOENT)`);
      const listed = await bare.ok(['--ca-file', pki.caFile, 'task', 'list', '--json']);
      expect(JSON.parse(listed.stdout).tasks.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['tls-node']));
      const viaEnv = await bare.ok(['nodes', '--json'], { env: { GRIDCTL_CA_FILE: pki.caFile } });
      expect(JSON.parse(viaEnv.stdout).map((n: { id: string }) => n.id)).toContain(nodeId);
      // The profile made with --ca-file keeps it: no flag needed.
      expect((await gridctl.ok(['nodes', '--json'])).stdout).toContain(nodeId);
      // A task on the TLS Redis without redis_tls_ca: gridctl push says what is missing, pushes nothing.
      await gridctl.ok(['task', 'add', 'tls-noca', '--image', 'gridcore-test/absent:1', '--input-queue', 'noca:in', '--wait-s', '0']);
      const push = await gridctl.run(['push', 'tls-noca', '--file', items, '--no-progress']);
      expect(push.code).not.toBe(0);
      expect(push.stderr.trim()).toBe(
        `gridctl: Redis 127.0.0.1:${redis.port}/0 presents a certificate signed by a CA this machine does not trust (SELF_SIGNED_CERT_IN_CHAIN): set the task's redis_tls_ca to the CA that signed it`,
      );
      expect(await client.llen('noca:in')).toBe(0);
      await gridctl.ok(['finish', 'tls-noca']);
    } finally {
      bare.cleanup();
    }
  });

  it('a node without ca_file says in one line what is wrong with the certificate and keeps retrying', async () => {
    const lost = startAgent({ GRIDNODE_SERVER_URL: hub.url, GRIDNODE_TOKEN: hub.token, GRIDNODE_PARALLELISM: '1' });
    try {
      await waitFor(() => /register failed: .*retrying/.test(lost.output()), 30_000, 'a failed register', 200);
      const line = lost.output().split('\n').find((l) => /register failed/.test(l))!;
      expect(line).toContain(
        `the hub at ${hub.url} presented a certificate signed by a CA this machine does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): set ca_file in gridnode.toml or GRIDNODE_CA_FILE to the CA that signed it`,
      );
      expect(lost.output()).not.toMatch(/\n\s+at /);
      // As with an unreachable hub: it retries rather than exits.
      await waitFor(() => lost.output().split('\n').filter((l) => /register failed/.test(l)).length >= 2, 30_000, 'a second attempt', 200);
      expect(lost.process.exitCode).toBeNull();
    } finally {
      lost.signal('SIGKILL');
      await lost.exited;
    }
  });
});
