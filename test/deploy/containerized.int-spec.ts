import { chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import Redis from 'ioredis';
import { QueueKeys, WorkQueue } from '@gridcore/queue';
import { freePort, waitFor } from '../support/ports';
import { startRedis, RunningRedis } from '../support/redis-server';
import { BASE_NODE_IMAGE, buildImage, BuiltImage, docker, ensureBaseImages, removeContainersByLabel, requireDocker } from '../support/docker';
import { ensureSdkWorkerImage } from '../node/support/sdk-worker-image';

/**
 * Issue 8 points 2 and 4: the DaemonSet shape for real. Both images are built from the real
 * Dockerfiles on the registry-less base image; a redis-server runs on 127.0.0.1; the hub runs as a
 * container (host networking, loopback bind, state on a mounted folder) and the node as a container
 * with the host's docker.sock and a state folder mounted, its config entirely from env. It runs the
 * SDK sqrt worker image on the host's Docker.
 *
 *   1. 10,000 items, every result n:sqrt(n) exactly once.
 *   2. `docker stop -t <more than stop_timeout>` mid-run: the workers are gone, the node
 *      deregistered, nothing in flight (no lease, no batch key) and nothing lost.
 *   3. A replacement container on the same state folder keeps the node id and finishes the rest.
 *   4. `docker kill` (SIGKILL) of the node mid-run leaves orphan workers; the next container on the
 *      same state folder removes them, requeues their batches, and every item completes once.
 *
 * Every container carries gridcore.test=containerized (the workers: gridcore.node=<id>) and is
 * removed in afterAll, also on failure. GRIDCORE_IMAGE_CONTEXT builds another tree.
 */
const CONTEXT = resolve(process.env.GRIDCORE_IMAGE_CONTEXT ?? join(__dirname, '..', '..'));
const LABEL = 'gridcore.test=containerized';
const HUB_IMAGE = 'gridcore-test/computehub:deploy';
const NODE_IMAGE = 'gridcore-test/gridnode:deploy';
const TOKEN = 'containerized-e2e-token-0001';
const QUEUE = '{e2e}:in';
const OUT = '{e2e}:out';
const STOP_TIMEOUT_S = 5;
const DOCKER_STOP_S = 30;
const PARALLELISM = 2;

jest.setTimeout(20 * 60_000);

interface NodeContainer {
  id: string;
  name: string;
}

/**
 * A copy of the build context taken once, so both images build from the same files although
 * others edit the tree meanwhile: the node image then reuses every layer of the hub's shared
 * stages (dependencies, build) and only adds its runtime stage.
 */
function snapshotContext(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-e2e-context-'));
  const skip = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-output', '.tmp']);
  cpSync(source, dir, { recursive: true, filter: (path) => path === source || !skip.has(basename(path)) });
  return dir;
}

const figures: string[] = [];
function figure(line: string): void {
  figures.push(line);
  console.log(`containerized e2e: ${line}`);
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}

async function logsOf(id: string): Promise<string> {
  const r = await docker(['logs', id], { allowFailure: true, timeoutMs: 30_000 });
  return r.stdout + r.stderr;
}

/** Worker containers of a node (running ones unless `all`). */
async function workers(nodeId: string, all = false): Promise<string[]> {
  const args = ['ps', '-q', '--no-trunc', '--filter', `label=gridcore.node=${nodeId}`];
  if (all) args.splice(1, 0, '-a');
  return (await docker(args)).stdout.split(/\s+/).filter(Boolean);
}

describe('containerized grid: hub and node containers on the host Docker (issue 8)', () => {
  let hubImage: BuiltImage;
  let nodeImage: BuiltImage;
  let workerImage: string;
  let redis: RunningRedis;
  let client: Redis;
  let hubUrl: string;
  let hubContainer: string;
  let hubState: string;
  let nodeState: string;
  let nodeId: string | undefined;
  let context: string | undefined;
  const nodes: NodeContainer[] = [];
  const keys = new QueueKeys(QUEUE);

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${hubUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  }

  async function nodeRecord(id: string): Promise<any> {
    const res = await api('GET', '/api/nodes');
    expect(res.status).toBe(200);
    return (res.body as any[]).find((n) => n.id === id);
  }

  /** Starts a node container: socket and state folder mounted, host networking, config from env only. */
  async function startNode(): Promise<NodeContainer> {
    const name = `gridcore-e2e-node-${process.pid}-${nodes.length + 1}`;
    const id = (
      await docker([
        'run', '-d', '--name', name, '--label', LABEL, '--network', 'host', '--health-interval', '2s',
        '-v', '/var/run/docker.sock:/var/run/docker.sock',
        '-v', `${nodeState}:/var/lib/gridcore`,
        '-e', `GRIDNODE_SERVER_URL=${hubUrl}`,
        '-e', `GRIDNODE_TOKEN=${TOKEN}`,
        '-e', 'GRIDNODE_NETWORK_MODE=host',
        '-e', `GRIDNODE_PARALLELISM=${PARALLELISM}`,
        '-e', `GRIDNODE_STOP_TIMEOUT=${STOP_TIMEOUT_S}`,
        '-e', 'GRIDNODE_HEARTBEAT_INTERVAL=2',
        '-e', 'GRIDNODE_CONTAINER_MEMORY=256',
        '-e', 'NO_COLOR=1',
        NODE_IMAGE,
      ])
    ).stdout.trim();
    const node = { id, name };
    nodes.push(node);
    return node;
  }

  /** Waits until `node` has registered (its log says so) and returns the id it registered as. */
  async function registered(node: NodeContainer): Promise<string> {
    return waitFor(
      async () => {
        const log = await logsOf(node.id);
        const running = (await docker(['inspect', '-f', '{{.State.Running}}', node.id])).stdout.trim();
        if (running !== 'true') throw new Error(`node container exited:\n${log.slice(-3000)}`);
        return /registered with \S+ as (\S+)/.exec(log)?.[1];
      },
      60_000,
      `${node.name} to register with the hub`,
      250,
    );
  }

  async function push(items: string[]): Promise<void> {
    for (let i = 0; i < items.length; i += 1000) await client.lpush(QUEUE, ...items.slice(i, i + 1000));
  }

  async function batchKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', keys.batchPattern(), 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /** Every result, checked: n:sqrt(n), numerically, for n in `expected` only, each at most once. */
  async function results(expected: Set<string>): Promise<Map<string, number>> {
    const out = await client.lrange(OUT, 0, -1);
    const seen = new Map<string, number>();
    for (const line of out) {
      const [item, value] = line.split(':');
      if (!expected.has(item)) throw new Error(`unexpected result ${line}`);
      if (seen.has(item)) throw new Error(`duplicate result for item ${item}`);
      if (Number(value) !== Math.sqrt(Number(item))) throw new Error(`wrong result ${line}: sqrt(${item}) = ${Math.sqrt(Number(item))}`);
      seen.set(item, Number(value));
    }
    return seen;
  }

  async function waitForResults(expected: Set<string>, timeoutMs: number, intervalMs = 100): Promise<void> {
    await waitFor(async () => (await client.llen(OUT)) >= expected.size, timeoutMs, `${expected.size} results in ${OUT}`, intervalMs);
    const seen = await results(expected);
    expect(seen.size).toBe(expected.size);
    expect(await client.llen(OUT)).toBe(expected.size);
  }

  /** The leases a running node's idle workers hold while they wait for items: none has a batch. */
  async function waitingLeasesOnly(): Promise<boolean> {
    const leased = await client.zrange(keys.leases, 0, -1);
    const lengths = await Promise.all(leased.map((key) => client.llen(key)));
    return lengths.every((n) => n === 0) && (await batchKeys()).length === 0;
  }

  /**
   * Nothing in flight: no batch key (and, once no worker runs, no lease at all: a waiting worker's
   * lease holds no item); nothing dead; input, retry and results hold every item exactly once.
   */
  async function expectNothingInFlightOrLost(expected: Set<string>, workersGone: boolean): Promise<{ queued: number; done: number }> {
    if (workersGone) expect(await client.zrange(keys.leases, 0, -1)).toEqual([]);
    else expect(await waitingLeasesOnly()).toBe(true);
    expect(await batchKeys()).toEqual([]);
    expect(await client.llen(keys.dead)).toBe(0);
    const [input, retry] = await Promise.all([client.lrange(keys.input, 0, -1), client.lrange(keys.retry, 0, -1)]);
    const done = await results(expected);
    const all = [...input, ...retry, ...done.keys()];
    expect(all.length).toBe(expected.size);
    expect(new Set(all).size).toBe(expected.size);
    for (const item of all) expect(expected.has(item)).toBe(true);
    return { queued: input.length + retry.length, done: done.size };
  }

  /** A node log without a sign that the queue scripts were missing or a hand-back failed. */
  function expectCleanLog(log: string): void {
    expect(log).not.toMatch(/scripts not found/);
    expect(log).not.toMatch(/could not (requeue|hand-back|handBack|hand back)/);
  }

  beforeAll(async () => {
    await requireDocker();
    await ensureBaseImages();
    const args = { BASE_IMAGE: BASE_NODE_IMAGE };
    context = snapshotContext(CONTEXT);
    hubImage = await buildImage(HUB_IMAGE, context, 'Dockerfile.hub', args);
    nodeImage = await buildImage(NODE_IMAGE, context, 'Dockerfile.node', args);
    const size = async (tag: string) => (Number((await docker(['image', 'inspect', '-f', '{{.Size}}', tag])).stdout) / 1e6).toFixed(0);
    for (const image of [hubImage, nodeImage]) {
      figure(`${image.tag}: ${await size(image.tag)} MB, ${image.cached ? `unchanged (checked in ${image.ms} ms)` : `built in ${(image.ms / 1000).toFixed(1)} s`}`);
    }
    const workerStarted = Date.now();
    workerImage = await ensureSdkWorkerImage();
    figure(`${workerImage}: ready in ${((Date.now() - workerStarted) / 1000).toFixed(1)} s`);

    redis = await startRedis();
    client = new Redis(redis.url);

    // The hub: host networking, bound to loopback, its file state on a mounted folder owned by its user.
    hubState = mkdtempSync(join(tmpdir(), 'gridcore-e2e-hub-'));
    chownSync(hubState, 10001, 10001);
    const port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    hubContainer = (
      await docker([
        'run', '-d', '--name', `gridcore-e2e-hub-${process.pid}`, '--label', LABEL, '--network', 'host', '--health-interval', '2s',
        '-v', `${hubState}:/var/lib/gridcore`,
        '-e', `COMPUTEHUB_TOKEN=${TOKEN}`,
        '-e', `COMPUTEHUB_BIND=127.0.0.1:${port}`,
        '-e', 'COMPUTEHUB_STATE_DIR=/var/lib/gridcore',
        '-e', 'NO_COLOR=1',
        HUB_IMAGE,
      ])
    ).stdout.trim();
    await waitFor(
      async () => {
        const running = (await docker(['inspect', '-f', '{{.State.Running}}', hubContainer])).stdout.trim();
        if (running !== 'true') throw new Error(`hub container exited:\n${(await logsOf(hubContainer)).slice(-3000)}`);
        return (await fetch(`${hubUrl}/health`, { signal: AbortSignal.timeout(2_000) })).ok;
      },
      60_000,
      'the hub container to answer /health',
      250,
    );

    nodeState = mkdtempSync(join(tmpdir(), 'gridcore-e2e-node-'));
  });

  afterAll(async () => {
    // Node containers first (so none starts workers again), then every worker of this node, then the hub.
    const nodeIds = new Set<string>();
    if (nodeId) nodeIds.add(nodeId);
    if (nodeState && existsSync(join(nodeState, 'node_id'))) nodeIds.add(readFileSync(join(nodeState, 'node_id'), 'utf8').trim());
    for (const node of nodes) {
      await docker(['rm', '-f', '-v', node.id], { allowFailure: true, timeoutMs: 60_000 });
    }
    for (const id of nodeIds) if (id) await removeContainersByLabel(`gridcore.node=${id}`).catch(() => undefined);
    await removeContainersByLabel(LABEL).catch(() => undefined);
    client?.disconnect();
    await redis?.stop();
    for (const dir of [hubState, nodeState, context]) if (dir) rmSync(dir, { recursive: true, force: true });
    if (figures.length) console.log(`containerized e2e figures:\n  ${figures.join('\n  ')}`);
  });

  /** Takes one batch in a running worker's slot (another lane), as that worker would: a batch surely in flight. */
  async function holdBatchOf(container: string, size: number): Promise<{ batchKey: string; items: string[]; runId: string }> {
    const info = JSON.parse((await docker(['inspect', container])).stdout)[0];
    const env: Record<string, string> = {};
    for (const pair of info.Config.Env as string[]) env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
    const q = new WorkQueue(client, QUEUE);
    const lanePrefix = q.keys.lanePrefix({ nodeId: env.NODE_ID, instance: env.INSTANCE_ID, runId: env.RUN_ID, lane: 7 });
    const reply = await q.take({ lanePrefix, nodeId: env.NODE_ID, size });
    expect(reply.items).toHaveLength(size);
    return { batchKey: reply.batchKey!, items: reply.items, runId: env.RUN_ID };
  }

  it('runs 10,000 items through a node container driving the host Docker: every result once', async () => {
    const node = await startNode();
    nodeId = await registered(node);
    expect(readFileSync(join(nodeState, 'node_id'), 'utf8').trim()).toBe(nodeId);
    expect((await nodeRecord(nodeId))?.status).toBe('Online');
    // The hub keeps its state in the mounted folder, as its own user.
    await waitFor(() => readdirSync(hubState).length > 0, 10_000, 'hub state files in the mounted folder');

    const items = range(1, 10_000);
    const expected = new Set(items);
    await push(items);
    const res = await api('POST', '/api/tasks', {
      name: 'sqrt',
      image: workerImage,
      input_redis: redis.url,
      input_queue: QUEUE,
      output_queue: OUT,
    });
    expect(res.status).toBe(201);
    const started = Date.now();
    let firstResultAt = 0;
    await waitFor(async () => {
      const n = await client.llen(OUT);
      if (n > 0 && !firstResultAt) firstResultAt = Date.now();
      return n >= items.length;
    }, 180_000, '10,000 results', 50);
    const ms = Date.now() - started;
    await waitForResults(expected, 1_000);
    figure(
      `10,000 items on ${PARALLELISM} worker containers: ${(ms / 1000).toFixed(2)} s from task registration ` +
        `(${Math.round(items.length / (ms / 1000))} items/s; ${Math.round(items.length / ((Date.now() - firstResultAt) / 1000))} items/s after the first result)`,
    );
    await waitFor(waitingLeasesOnly, 10_000, 'no batch in flight');
    await expectNothingInFlightOrLost(expected, false);
    expect((await workers(nodeId!, true)).length).toBeGreaterThan(0);
    expectCleanLog(await logsOf(node.id));
    // Both images' HEALTHCHECKs pass in this setting: the hub's on its loopback port, the node's on
    // status.json in the mounted state folder.
    for (const id of [hubContainer, node.id]) {
      await waitFor(
        async () => (await docker(['inspect', '-f', '{{.State.Health.Status}}', id])).stdout.trim() === 'healthy',
        30_000,
        `container ${id.slice(0, 12)} to report healthy`,
        500,
      );
    }
    expect(JSON.parse(readFileSync(join(nodeState, 'status.json'), 'utf8'))).toMatchObject({ node_id: nodeId });
  });

  it('stops gracefully with docker stop mid-run: workers gone, deregistered, nothing in flight or lost', async () => {
    const node = nodes[nodes.length - 1];
    const expected = new Set(range(1, 110_000));
    const before = await client.llen(OUT);
    await push(range(10_001, 110_000));
    await waitFor(async () => (await client.llen(OUT)) >= before + 1_000, 60_000, 'work under way', 20);
    const running = await workers(nodeId!);
    expect(running.length).toBe(PARALLELISM);
    const held = await holdBatchOf(running[0], 10);
    const stopStarted = Date.now();
    await docker(['stop', '-t', String(DOCKER_STOP_S), node.id], { timeoutMs: (DOCKER_STOP_S + 30) * 1000 });
    const stopMs = Date.now() - stopStarted;
    const state = JSON.parse((await docker(['inspect', '-f', '{{json .State}}', node.id])).stdout);
    const log = await logsOf(node.id);
    // The agent exited by itself (0), well before Docker's SIGKILL.
    expect({ exit: state.ExitCode, oomKilled: state.OOMKilled }).toEqual({ exit: 0, oomKilled: false });
    expect(stopMs).toBeLessThan(DOCKER_STOP_S * 1000);
    expect(await workers(nodeId!, true)).toEqual([]);
    expect(log).toMatch(new RegExp(`deregistered ${nodeId}`));
    expectCleanLog(log);
    const record = await nodeRecord(nodeId!);
    expect(record === undefined || record.status === 'Offline').toBe(true);
    const { queued, done } = await expectNothingInFlightOrLost(expected, true);
    expect(await client.hlen(keys.attempts)).toBe(0); // handed back without an attempt
    // Handed back to the input's right end, taken next: a worker still running elsewhere may have
    // done them since (each exactly once, as checked above); none is left anywhere else.
    const input = new Set(await client.lrange(keys.input, 0, -1));
    const doneItems = new Set((await client.lrange(OUT, 0, -1)).map((r) => r.split(':')[0]));
    for (const item of held.items) expect(input.has(item) || doneItems.has(item)).toBe(true);
    figure(
      `docker stop -t ${DOCKER_STOP_S} (stop_timeout ${STOP_TIMEOUT_S} s) of the node with ${running.length} busy workers: ` +
        `${(stopMs / 1000).toFixed(1)} s, exit 0; ${done} done, ${queued} back in the queue, 0 in flight, 0 lost`,
    );
  });

  it('a replacement node container on the same state folder keeps the node id and finishes the work', async () => {
    const expected = new Set(range(1, 110_000));
    const node = await startNode();
    expect(await registered(node)).toBe(nodeId);
    expect(readFileSync(join(nodeState, 'node_id'), 'utf8').trim()).toBe(nodeId);
    const record = await waitFor(async () => {
      const r = await nodeRecord(nodeId!);
      return r?.status === 'Online' ? r : null;
    }, 20_000, 'the same node id online again');
    expect(record.id).toBe(nodeId);
    const online = ((await api('GET', '/api/nodes')).body as any[]).filter((n) => n.status === 'Online').map((n) => n.id);
    expect(online).toEqual([nodeId]);
    await waitForResults(expected, 180_000);
    await waitFor(waitingLeasesOnly, 10_000, 'no batch in flight');
    await expectNothingInFlightOrLost(expected, false);
    expectCleanLog(await logsOf(node.id));
  });

  it('after docker kill (SIGKILL) of the node, the next container removes the orphan workers and requeues their batches', async () => {
    const node = nodes[nodes.length - 1];
    const expected = new Set(range(1, 210_000));
    const before = await client.llen(OUT);
    await push(range(110_001, 210_000));
    const orphans = await waitFor(async () => {
      const running = await workers(nodeId!);
      return running.length === PARALLELISM && (await client.llen(OUT)) > before ? running : null;
    }, 60_000, 'work under way', 20);
    // One of these workers will die with the node, holding a batch: one more is taken in its slot
    // now (the queue drains in seconds), so there surely is one. Only the successor's requeue can
    // bring that back. The other one stays alive; stopped by the successor, it hands back itself.
    const [dead, alive] = orphans;
    const held = await holdBatchOf(dead, 10);
    // The node first, then that worker, in one call: the node gets no chance to see the worker die.
    await docker(['kill', '-s', 'KILL', node.id, dead]);
    expect((await docker(['inspect', '-f', '{{.State.ExitCode}}', node.id, dead])).stdout.trim().split(/\s+/)).toEqual(['137', '137']);
    // Nothing removed the workers: they are orphans now.
    expect(await workers(nodeId!, true)).toEqual(expect.arrayContaining(orphans));

    const killedAt = Date.now();
    const next = await startNode();
    expect(await registered(next)).toBe(nodeId);
    const requeuedOf = (log: string, id: string) =>
      Number(new RegExp(`removed orphan ${id.slice(0, 12)} \\(task sqrt, instance \\d+\\); requeued (\\d+) in-flight item`).exec(log)?.[1] ?? NaN);
    const log = await waitFor(async () => {
      const text = await logsOf(next.id);
      return orphans.every((id) => !Number.isNaN(requeuedOf(text, id))) ? text : null;
    }, 60_000, 'the successor to remove both orphans', 250);
    await waitFor(async () => {
      const all = await workers(nodeId!, true);
      return all.length > 0 && all.every((id) => !orphans.includes(id));
    }, 60_000, 'new workers in place of the orphans');
    const requeuedItems = requeuedOf(log, dead);
    expect(requeuedItems).toBeGreaterThanOrEqual(held.items.length);
    expect(requeuedOf(log, alive)).toBeGreaterThanOrEqual(0);
    await waitForResults(expected, 240_000);
    const ms = Date.now() - killedAt;
    await waitFor(waitingLeasesOnly, 10_000, 'no batch in flight');
    await expectNothingInFlightOrLost(expected, false);
    expectCleanLog(await logsOf(next.id));
    figure(
      `docker kill of the node mid-run: the next container (same node id) removed ${orphans.length} orphan workers and requeued ` +
        `the ${requeuedItems} in-flight items of the dead one; all ${expected.size} items done exactly once ${(ms / 1000).toFixed(1)} s after the kill`,
    );

    // And it stops as cleanly as the first one.
    await docker(['stop', '-t', String(DOCKER_STOP_S), next.id], { timeoutMs: (DOCKER_STOP_S + 30) * 1000 });
    expect((await docker(['inspect', '-f', '{{.State.ExitCode}}', next.id])).stdout.trim()).toBe('0');
    expect(await workers(nodeId!, true)).toEqual([]);
    await expectNothingInFlightOrLost(expected, true);
    const last = await nodeRecord(nodeId!);
    expect(last === undefined || last.status === 'Offline').toBe(true);
  });
});
