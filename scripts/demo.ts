/**
 * `npm run demo` (via scripts/demo.sh, which installs what a fresh clone lacks): the main job end
 * to end on this machine. It starts a redis-server, the hub and one GridNode (parallelism = CPU
 * count), builds the example images, registers a Node-worker task with auto_finish, pushes the
 * items with a live progress bar, checks every result, lets the hub auto-finish and switch to a
 * Python-worker task, prints a summary and stops everything it started. Ctrl-C cleans up the same.
 *
 * Env: GRIDCORE_DEMO_ITEMS (100000), GRIDCORE_DEMO_SECOND_ITEMS (10000), GRIDCORE_DEMO_PARALLELISM
 * (CPU count), GRIDCORE_DEMO_GRACE_S (3), GRIDCORE_DEMO_STOP_DOCKERD=1 (set by demo.sh when it
 * started the engine). Under CI=true or without a terminal, progress is printed as plain lines.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { formatCount, HubClient, ProgressDisplay, pushItems, redisTimeMs, sampledAtMs } from '../libs/operator/src';
import { LocalGrid, ROOT, run, runWithCleanup, sleep, waitFor } from './demo-grid';

const NODE_IMAGE = 'gridcore/example-node-worker:local';
const PYTHON_IMAGE = 'gridcore/example-python-worker:local';

function intEnv(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`demo: ${name}=${raw} must be an integer >= ${min}`);
    process.exit(2);
  }
  return n;
}

const ITEMS = intEnv('GRIDCORE_DEMO_ITEMS', 100_000, 1);
const SECOND_ITEMS = intEnv('GRIDCORE_DEMO_SECOND_ITEMS', 10_000, 1);
const PARALLELISM = intEnv('GRIDCORE_DEMO_PARALLELISM', cpus().length, 1);
const GRACE_S = intEnv('GRIDCORE_DEMO_GRACE_S', 3, 1);
const PLAIN = process.env.CI === 'true' || process.env.CI === '1' || !process.stderr.isTTY;

const say = (line: string) => console.log(`demo: ${line}`);

/** Reads the whole output list and checks one correct `n:sqrt(n)` per item 1..count. */
async function checkResults(client: Redis, queue: string, count: number): Promise<string | null> {
  const seen = new Uint8Array(count + 1);
  const total = await client.llen(queue);
  let bad = 0;
  let doubled = 0;
  let firstBad = '';
  for (let start = 0; start < total; start += 10_000) {
    for (const r of await client.lrange(queue, start, start + 9_999)) {
      const colon = r.indexOf(':');
      const n = Number(r.slice(0, colon));
      const root = Number(r.slice(colon + 1));
      if (colon < 0 || !Number.isInteger(n) || n < 1 || n > count || Math.abs(root - Math.sqrt(n)) > 1e-9 * Math.max(1, root)) {
        bad++;
        firstBad ||= r;
      } else if (seen[n]++) doubled++;
    }
  }
  let missing = 0;
  for (let n = 1; n <= count; n++) if (!seen[n]) missing++;
  if (!bad && !doubled && !missing && total === count) return null;
  return `${formatCount(total)} results for ${formatCount(count)} items: ${missing} missing, ${doubled} doubled, ${bad} wrong${firstBad ? ` (e.g. ${firstBad})` : ''}`;
}

function* numbers(count: number): Generator<string[]> {
  for (let i = 1; i <= count; i += 1000) yield Array.from({ length: Math.min(1000, count - i + 1) }, (_, k) => String(i + k));
}

/**
 * Follows a task's output with a progress bar until every item is done; resolves with the time of
 * the last result. The hub's figures come from fresh reads and only samples taken after the push
 * ended (`pushedAtMs`, Redis time) are shown, so the note never describes the queue before the push.
 */
async function follow(label: string, hub: HubClient, task: string, client: Redis, out: string, total: number, pushedAtMs: number): Promise<number> {
  const display = new ProgressDisplay(label, { stream: process.stdout, tty: !PLAIN, lineMs: 2_000 });
  let note = '';
  let lastHub = 0;
  for (;;) {
    const done = await client.llen(out);
    if (Date.now() - lastHub > 1_000) {
      lastHub = Date.now();
      const p = (await hub.getTask(task, { fresh: true }).catch(() => null))?.progress;
      if (p && sampledAtMs(p) > pushedAtMs) note = `in flight ${formatCount(p.in_flight)}  dead ${formatCount(p.dead)}`;
    }
    if (done >= total) {
      display.finish({ done, total }, note);
      return Date.now();
    }
    display.update({ done, total, note });
    await sleep(200);
  }
}

const grid = new LocalGrid({
  dir: mkdtempSync(join(tmpdir(), 'gridcore-demo-')),
  removeDir: true,
  token: randomBytes(32).toString('hex'),
  parallelism: PARALLELISM,
  say,
});

async function main(): Promise<void> {
  LocalGrid.checkBuilt();
  say(`run folder ${grid.dir} (logs of the hub, the node and Redis; removed at the end)`);
  const redisUrl = await grid.startRedis();
  const hub = await grid.startHub({ COMPUTEHUB_PROGRESS_INTERVAL_S: '1', COMPUTEHUB_CLEANUP_INTERVAL_S: '5' });
  await grid.startNode({ GRIDNODE_HEARTBEAT_INTERVAL: '2', GRIDNODE_STOP_TIMEOUT: '10', GRIDNODE_HOSTNAME: 'demo-node' });

  say('building the example images (examples/build-images.sh)');
  const build = await run('bash', [join(ROOT, 'examples', 'build-images.sh'), 'node', 'python'], { echo: true, timeoutMs: 15 * 60_000 });
  if (build.code !== 0) throw new Error('examples/build-images.sh failed (see above)');

  const client = await grid.client();
  const first = { name: 'demo-node-sqrt', in: '{demo-node}:in', out: '{demo-node}:out' };
  const second = { name: 'demo-python-sqrt', in: '{demo-python}:in', out: '{demo-python}:out' };
  const common = { input_redis: redisUrl, output_redis: redisUrl, auto_finish: true, auto_finish_grace_s: GRACE_S };
  await hub.addTask({ name: first.name, image: NODE_IMAGE, input_queue: first.in, output_queue: first.out, ...common });
  await hub.addTask({ name: second.name, image: PYTHON_IMAGE, input_queue: second.in, output_queue: second.out, ...common });
  say(`registered ${first.name} (Node worker, running) and ${second.name} (Python worker, pending), auto_finish after ${GRACE_S} s of quiet`);

  // Hub events as they come: the auto-finish and the switch show up here.
  const abort = new AbortController();
  void (async () => {
    try {
      for await (const e of hub.events({ signal: abort.signal })) {
        if (e.type === 'task.finished' || e.type === 'task.started') {
          const d = (e.data?.data ?? e.data) as { name?: string; completed_by?: string };
          say(`hub event ${e.type}: ${d.name ?? ''}${d.completed_by ? ` (${d.completed_by})` : ''}`);
        }
      }
    } catch {
      // the stream ends when the hub stops
    }
  })();

  const t0 = Date.now();
  const pushDisplay = new ProgressDisplay('push', { stream: process.stdout, tty: !PLAIN, lineMs: 1_000 });
  const pushed = await pushItems(client, first.in, numbers(ITEMS), { batch: 1000, onProgress: (n) => pushDisplay.update({ done: n, total: ITEMS }) });
  pushDisplay.finish({ done: pushed.pushed, total: ITEMS });
  await pushItems(client, second.in, numbers(SECOND_ITEMS), { batch: 1000 });
  const pushedAtMs = await redisTimeMs(client, second.in);
  say(`pushed ${formatCount(ITEMS)} items for ${first.name} and ${formatCount(SECOND_ITEMS)} for ${second.name}`);

  const lastFirst = await follow('Node worker', hub, first.name, client, first.out, ITEMS, pushedAtMs);
  const firstSeconds = (lastFirst - t0) / 1000;
  const firstCheck = await checkResults(client, first.out, ITEMS);
  if (firstCheck) throw new Error(`${first.name}: ${firstCheck}`);
  say(`checked ${formatCount(ITEMS)} results of ${first.name}: one correct n:sqrt(n) for every item`);

  const finished = await waitFor(async () => {
    const t = await hub.getTask(first.name);
    return t.status === 'completed' ? { at: Date.now(), record: t } : null;
  }, 120_000, `the hub to auto-finish ${first.name}`, 100);
  const firstSecond = await waitFor(async () => ((await client.llen(second.out)) > 0 ? Date.now() : null), 120_000, `the first result of ${second.name}`, 50);
  const lastSecond = await follow('Python worker', hub, second.name, client, second.out, SECOND_ITEMS, pushedAtMs);
  const secondCheck = await checkResults(client, second.out, SECOND_ITEMS);
  if (secondCheck) throw new Error(`${second.name}: ${secondCheck}`);
  say(`checked ${formatCount(SECOND_ITEMS)} results of ${second.name}`);
  const secondRecord = await waitFor(async () => {
    const t = await hub.getTask(second.name);
    return t.status === 'completed' ? t : null;
  }, 120_000, `the hub to auto-finish ${second.name}`, 100);
  abort.abort();

  const perNode = new Map<string, number>();
  for (const t of [finished.record, secondRecord]) for (const [id, n] of Object.entries(t.progress?.per_node ?? {})) perNode.set(id, (perNode.get(id) ?? 0) + n);
  const dead = (await client.llen('{demo-node}:in:dead')) + (await client.llen('{demo-python}:in:dead'));
  const secondSeconds = (lastSecond - finished.at) / 1000;
  const summary = [
    `items: ${formatCount(ITEMS)} (Node worker) + ${formatCount(SECOND_ITEMS)} (Python worker), every result checked`,
    `seconds: ${firstSeconds.toFixed(1)} (Node task, push to last result); ${secondSeconds.toFixed(1)} (Python task, auto-finish of the first to its last result)`,
    `items/s: ${formatCount(ITEMS / firstSeconds)} (Node worker); ${formatCount(SECOND_ITEMS / Math.max(secondSeconds, 0.001))} (Python worker)`,
    `switch time: ${((firstSecond - lastFirst) / 1000).toFixed(1)} s from the last Node result to the first Python result (auto-finish grace ${GRACE_S} s included); ${((firstSecond - finished.at) / 1000).toFixed(1)} s from the auto-finish`,
    `items per node: ${[...perNode].map(([id, n]) => `${id} ${formatCount(n)}`).join(', ') || '(none reported)'}`,
    `dead items: ${dead}`,
  ];
  console.log('\nGridCore demo summary');
  for (const line of summary) console.log(`  ${line}`);
}

runWithCleanup(grid, main, process.env.GRIDCORE_DEMO_STOP_DOCKERD === '1');
