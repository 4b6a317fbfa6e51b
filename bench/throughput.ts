/**
 * bench/throughput (issue 5 point 6): N items of the seed's workload (n → n:sqrt(n)) through
 * every contender with P = CPU count worker processes, all in one run, median of R runs:
 * the TS SDK at batch 100 and batch 1, the original consumer (Python, unchanged), BullMQ
 * (concurrency 100 per process, removeOnComplete) and the Redis ceiling (redis-cli --pipe).
 * Loading is outside the clock; each list contender's input is loaded into a staging key and
 * RENAMEd into place once every worker is blocked and ready. Env: BENCH_N, BENCH_RUNS.
 */
import { ChildProcess, execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { startRedis } from '../test/support/redis-server';

const ROOT = resolve(__dirname, '..');
const N = Number(process.env.BENCH_N ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const P = cpus().length;
const work = mkdtempSync(join(tmpdir(), 'gridcore-bench-'));

function resp(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}
function writeResp(file: string, key: string, perCommand: number): void {
  const parts: string[] = [];
  for (let i = 1; i <= N; i += perCommand) {
    const args = ['LPUSH', key];
    for (let j = i; j < Math.min(i + perCommand, N + 1); j++) args.push(String(j));
    parts.push(resp(args));
  }
  writeFileSync(file, parts.join(''));
}
function pipe(port: number, file: string): number {
  const t = process.hrtime.bigint();
  execFileSync('sh', ['-c', `redis-cli -p ${port} --pipe < ${file} > /dev/null`]);
  return Number(process.hrtime.bigint() - t) / 1e9;
}
function checkOutput(results: string[]): void {
  if (results.length !== N) throw new Error(`output holds ${results.length}, want ${N}`);
  const seen = new Uint8Array(N + 1);
  for (const r of results) {
    const [n, v] = r.split(':').map(Number);
    if (!(n >= 1 && n <= N) || Math.abs(v - Math.sqrt(n)) > 1e-9 || seen[n]) throw new Error(`bad or repeated result ${r}`);
    seen[n] = 1;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(2);
  }
}
async function blockedClients(r: Redis): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await r.info('clients'))?.[1] ?? 0);
}

async function main(): Promise<void> {
  const server = await startRedis();
  const r = new Redis(server.url);
  const load = join(work, 'load.resp');
  const ceiling = join(work, 'ceiling.resp');
  writeResp(load, 'bench:staging', 1000);
  writeResp(ceiling, 'bench:ceiling', 1);
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--outDir', work, '--rootDir', ROOT, '--module', 'commonjs',
    '--target', 'es2022', '--esModuleInterop', '--skipLibCheck', '--types', 'node', join(ROOT, 'examples/node-worker/worker.ts'), join(ROOT, 'bench/throughput-bullmq-worker.ts')]);
  const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), GRIDCORE_SCRIPTS_DIR: join(ROOT, 'libs/queue/src/scripts') };

  /** A list contender: P processes block on the empty input; RENAME starts the clock. */
  async function listContender(start: (i: number) => ChildProcess, ready: (procs: ChildProcess[]) => Promise<void>): Promise<number> {
    await r.flushall();
    pipe(server.port, load);
    const procs = Array.from({ length: P }, (_, i) => start(i));
    await ready(procs);
    const t = process.hrtime.bigint();
    await r.rename('bench:staging', 'bench:in');
    await waitUntil(async () => (await r.llen('bench:out')) >= N, 600_000, 'all results');
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    procs.forEach((p) => p.kill('SIGTERM'));
    await Promise.all(procs.map((p) => new Promise((res) => (p.exitCode !== null ? res(null) : p.once('exit', res)))));
    checkOutput(await r.lrange('bench:out', 0, -1));
    return N / secs;
  }
  const sdk = (batch: number) =>
    listContender(
      (i) => spawn(process.execPath, [join(work, 'examples/node-worker/worker.js')], {
        env: { ...env, INPUT_REDIS_URL: server.url, INPUT_QUEUE: 'bench:in', OUTPUT_QUEUE: 'bench:out', NODE_ID: 'bench', INSTANCE_ID: String(i),
          GRIDCORE_BATCH: String(batch), GRIDCORE_BLOCK_S: '30', GRIDCORE_IDLE_EXIT_S: '600' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
      async (procs) => {
        await Promise.all(procs.map((p) => new Promise<void>((res) => p.stdout!.on('data', (d) => /gridcore-worker /.test(String(d)) && res()))));
        await waitUntil(async () => (await blockedClients(r)) >= P, 10_000, 'workers blocked');
      },
    );
  const original = () =>
    listContender(
      () => spawn('/usr/bin/python3', [join(ROOT, 'examples/original-consumer/consumer.py')], {
        env: { ...env, INPUT_REDIS_URL: server.url, OUTPUT_REDIS_URL: server.url, INPUT_QUEUE: 'bench:in', OUTPUT_QUEUE: 'bench:out' },
        stdio: 'inherit',
      }),
      () => waitUntil(async () => (await blockedClients(r)) >= P, 10_000, 'consumers blocked in BRPOP'),
    );
  async function bullmq(): Promise<number> {
    await r.flushall();
    const q = new Queue('bench', { connection: { host: '127.0.0.1', port: server.port } });
    await q.pause();
    for (let i = 1; i <= N; i += 5000) {
      const jobs = [];
      for (let j = i; j < Math.min(i + 5000, N + 1); j++) jobs.push({ name: 'j', data: String(j), opts: { removeOnComplete: true } });
      await q.addBulk(jobs);
    }
    let completed = 0;
    let ready = 0;
    const procs = Array.from({ length: P }, () => fork(join(work, 'bench/throughput-bullmq-worker.js'), ['bench', String(server.port)], { env }));
    procs.forEach((p) => p.on('message', (m: { completed?: number; ready?: boolean }) => { completed += m.completed ?? 0; ready += m.ready ? 1 : 0; }));
    await waitUntil(async () => ready === P, 30_000, 'bullmq workers ready');
    const t = process.hrtime.bigint();
    await q.resume();
    await waitUntil(async () => completed >= N - (N % 1000) && (await q.getJobCountByTypes('wait', 'active', 'prioritized')) === 0, 1_200_000, 'bullmq done');
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    procs.forEach((p) => p.kill('SIGTERM'));
    await Promise.all(procs.map((p) => new Promise((res) => p.once('exit', res))));
    if (completed !== N) throw new Error(`bullmq completed ${completed}, want ${N}`);
    await q.close();
    return N / secs;
  }
  async function redisCeiling(): Promise<number> {
    await r.flushall();
    const secs = pipe(server.port, ceiling);
    if ((await r.llen('bench:ceiling')) !== N) throw new Error('ceiling list incomplete');
    return N / secs;
  }

  const contenders: [string, () => Promise<number>][] = [
    ['ts_sdk_batch100', () => sdk(100)],
    ['ts_sdk_batch1', () => sdk(1)],
    ['original_consumer', original],
    ['bullmq', bullmq],
    ['redis_ceiling', redisCeiling],
  ];
  const figures: Record<string, number[]> = {};
  for (let run = 1; run <= RUNS; run++) {
    for (const [name, fn] of contenders) {
      const v = await fn();
      (figures[name] ??= []).push(v);
      console.log(`run ${run} ${name}: ${Math.round(v).toLocaleString('en-US')} items/s`);
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const m = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(median(v))]));
  console.log(`\nN=${N} P=${P} runs=${RUNS} (median items/s)`);
  console.log('| contender | items/s |\n|---|---|');
  for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toLocaleString('en-US')} |`);
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  r.disconnect();
  await server.stop();
  console.log(JSON.stringify({
    n: N, p: P, runs: RUNS, items_per_s: m,
    ratio_vs_original: ratio(m.ts_sdk_batch100, m.original_consumer),
    ratio_vs_bullmq: ratio(m.ts_sdk_batch100, m.bullmq),
    ratio_vs_redis_ceiling: ratio(m.ts_sdk_batch100, m.redis_ceiling),
    batch1_ratio_vs_original: ratio(m.ts_sdk_batch1, m.original_consumer),
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
