/**
 * bench/throughput (issue 5 point 6): N items of the seed's workload (n → n:sqrt(n)) through
 * every contender with P = CPU count worker processes, all in one run, median of R runs:
 * the TS SDK at batch 100 and batch 1, the original consumer (Python, unchanged), BullMQ
 * (concurrency 100 per process, removeOnComplete), the Redis ceiling (redis-cli --pipe), and
 * through the data gateway (issue 17.6, bench/throughput-gateway.ts in its own process): the TS
 * SDK at batch 100 and the original consumer, each worker authenticated as its own container.
 * Loading is outside the clock; each list contender's input is loaded into a staging key and
 * RENAMEd into place once every worker is blocked and ready. Every contender's output is
 * checked complete, unrepeated and numerically right. Every wait is bounded; every child is
 * killed on exit. Env: BENCH_N, BENCH_RUNS, BENCH_ONLY (comma list of contenders),
 * BENCH_TIMEOUT_S (per contender run, default 900), BENCH_GATEWAY_PROFILE (a directory: the
 * gateway runs under node --cpu-prof and writes its profile there). The last line is one JSON object.
 */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { RunningRedis, startRedis } from '../test/support/redis-server';
import { compileWorkersFromSource } from '../test/support/sdk-workers';

const ROOT = resolve(__dirname, '..');
const N = Number(process.env.BENCH_N ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;
const P = cpus().length;
const work = mkdtempSync(join(tmpdir(), 'gridcore-bench-'));

// ---------------------------------------------------------------- children and cleanup
const children = new Set<ChildProcess>();
let server: RunningRedis | undefined;
function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGKILL');
  server?.process.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
async function stopAll(procs: ChildProcess[]): Promise<void> {
  const exited = (p: ChildProcess) => new Promise<void>((res) => (p.exitCode !== null || p.signalCode !== null ? res() : p.once('exit', () => res())));
  procs.forEach((p) => p.kill('SIGTERM'));
  const all = Promise.all(procs.map(exited));
  if ((await Promise.race([all.then(() => true), sleep(10_000).then(() => false)])) === false) {
    procs.forEach((p) => p.kill('SIGKILL'));
    await all;
  }
}

// ---------------------------------------------------------------- helpers
function resp(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}
/** LPUSHes of 1..N, `perCommand` items each, as a RESP file for redis-cli --pipe. */
function writeResp(file: string, key: string, perCommand: number): void {
  const parts: string[] = [];
  for (let i = 1; i <= N; i += perCommand) {
    const args = ['LPUSH', key];
    for (let j = i; j < Math.min(i + perCommand, N + 1); j++) args.push(String(j));
    parts.push(resp(args));
  }
  writeFileSync(file, parts.join(''));
}
/** redis-cli --pipe of a prepared file, timed as a whole command. */
function pipe(port: number, file: string): number {
  const t = process.hrtime.bigint();
  execFileSync('sh', ['-c', `redis-cli -p ${port} --pipe < ${file} > /dev/null`], { timeout: TIMEOUT_MS });
  return Number(process.hrtime.bigint() - t) / 1e9;
}
/** Every n in 1..N exactly once, each result `n:sqrt(n)` (either number format). */
function checkOutput(results: string[], what: string): void {
  if (results.length !== N) throw new Error(`${what}: output holds ${results.length}, want ${N}`);
  const seen = new Uint8Array(N + 1);
  for (const r of results) {
    const [n, v] = r.split(':').map(Number);
    if (!(n >= 1 && n <= N) || !Number.isInteger(n) || Math.abs(v - Math.sqrt(n)) > 1e-9 || seen[n]) throw new Error(`${what}: bad or repeated result ${r}`);
    seen[n] = 1;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}
async function blockedClients(r: Redis): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await r.info('clients'))?.[1] ?? 0);
}
/** usec per call of EVALSHA since the last CONFIG RESETSTAT (the SDK's scripts, inside Redis). */
async function evalshaUsec(r: Redis): Promise<number | undefined> {
  const m = /cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(await r.info('commandstats'));
  return m ? Number(m[1]) : undefined;
}

/** redis-server's own CPU time so far (user + sys, µs), from INFO cpu. */
async function redisCpuUs(r: Redis): Promise<number> {
  const info = await r.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** A process's CPU time so far (user + sys, µs), from /proc (Linux); NaN once it is gone. */
function procCpuUs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / CLOCK_TICKS) * 1e6;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

async function main(): Promise<void> {
  server = await startRedis();
  const port = server.port;
  const url = server.url;
  const r = new Redis(url);
  const load = join(work, 'load.resp');
  const ceiling = join(work, 'ceiling.resp');
  writeResp(load, 'bench:staging', 1000);
  writeResp(ceiling, 'bench:ceiling', 1);
  compileWorkersFromSource(work, ['examples/node-worker/worker.ts', 'bench/throughput-bullmq-worker.ts']);
  const env = { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), GRIDCORE_SCRIPTS_DIR: join(ROOT, 'libs/queue/src/scripts') };
  const scriptUsec: Record<string, number[]> = {};
  const redisCpu: Record<string, number[]> = {};
  const workerCpu: Record<string, number[]> = {};
  const gatewayCpu: Record<string, number[]> = {};

  /**
   * A list contender: P processes block on the empty input; RENAME starts the clock. The
   * workers' CPU per item is recorded (and the gateway's, given its process), a figure the
   * machine's other load moves far less than items/s.
   */
  async function listContender(name: string, start: (i: number) => ChildProcess, ready: (procs: ChildProcess[]) => Promise<void>, gateway?: ChildProcess): Promise<number> {
    await r.flushall();
    pipe(port, load);
    if ((await r.llen('bench:staging')) !== N) throw new Error(`${name}: staging list incomplete`);
    const procs = Array.from({ length: P }, (_, i) => track(start(i)));
    try {
      await ready(procs);
      await r.config('RESETSTAT');
      const cpu0 = await redisCpuUs(r);
      const workers0 = procs.reduce((sum, p) => sum + procCpuUs(p.pid), 0);
      const gateway0 = procCpuUs(gateway?.pid);
      const t = process.hrtime.bigint();
      await r.rename('bench:staging', 'bench:in');
      await waitUntil(async () => (await r.llen('bench:out')) >= N, TIMEOUT_MS, `${name}: all ${N} results`);
      const secs = Number(process.hrtime.bigint() - t) / 1e9;
      const workersUs = procs.reduce((sum, p) => sum + procCpuUs(p.pid), 0) - workers0;
      if (Number.isFinite(workersUs)) (workerCpu[name] ??= []).push(workersUs / N);
      if (gateway) (gatewayCpu[name] ??= []).push((procCpuUs(gateway.pid) - gateway0) / N);
      // Redis's CPU per item (the polls for the output length included, alike for every contender).
      (redisCpu[name] ??= []).push(((await redisCpuUs(r)) - cpu0) / N);
      const usec = await evalshaUsec(r);
      if (usec !== undefined) (scriptUsec[name] ??= []).push(usec);
      await stopAll(procs);
      checkOutput(await r.lrange('bench:out', 0, -1), name);
      if ((await r.llen('bench:in')) !== 0) throw new Error(`${name}: input not empty after the run`);
      return N / secs;
    } finally {
      await stopAll(procs);
    }
  }
  const sdk = (batch: number) =>
    listContender(
      `ts_sdk_batch${batch}`,
      (i) => spawn(process.execPath, [join(work, 'examples/node-worker/worker.js')], {
        env: { ...env, INPUT_REDIS_URL: url, INPUT_QUEUE: 'bench:in', OUTPUT_QUEUE: 'bench:out', NODE_ID: 'bench', INSTANCE_ID: String(i),
          GRIDCORE_BATCH: String(batch), GRIDCORE_CONCURRENCY: '1', GRIDCORE_BLOCK_S: '30', GRIDCORE_IDLE_EXIT_S: '600' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
      async (procs) => {
        await Promise.all(procs.map((p) => new Promise<void>((res, rej) => {
          p.stdout!.on('data', (d) => /gridcore-worker /.test(String(d)) && res());
          p.once('exit', (code) => rej(new Error(`sdk worker exited ${code} before its start-up line`)));
        })));
        await waitUntil(async () => (await blockedClients(r)) >= P, 10_000, 'sdk workers blocked in BLMOVE');
      },
    );
  const original = () =>
    listContender(
      'original_consumer',
      () => spawn('/usr/bin/python3', [join(ROOT, 'examples/original-consumer/consumer.py')], {
        env: { ...env, INPUT_REDIS_URL: url, OUTPUT_REDIS_URL: url, INPUT_QUEUE: 'bench:in', OUTPUT_QUEUE: 'bench:out' },
        stdio: 'inherit',
      }),
      () => waitUntil(async () => (await blockedClients(r)) >= P, 10_000, 'consumers blocked in BRPOP'),
    );

  /** The gateway for one contender run, in its own process; its URL for worker i. */
  async function startGateway(): Promise<{ proc: ChildProcess; urlFor: (i: number) => string }> {
    const credential = 'bench-node-credential';
    const profile = process.env.BENCH_GATEWAY_PROFILE;
    const args = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(ROOT, 'bench/throughput-gateway.ts')];
    const proc = track(spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), GATEWAY_REDIS_URL: url, GATEWAY_CREDENTIAL: credential, GATEWAY_INPUT: 'bench:in', GATEWAY_OUTPUT: 'bench:out' },
      stdio: ['ignore', 'pipe', 'inherit'],
    }));
    const gwPort = await new Promise<number>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('the gateway did not start within 60 s')), 60_000);
      proc.stdout!.on('data', (d) => {
        const m = /gateway listening (\d+)/.exec(String(d));
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      });
      proc.once('exit', (code) => rej(new Error(`the gateway exited ${code}`)));
    });
    const digest = createHash('sha256').update(credential).digest('hex');
    const urlFor = (i: number) => `redis://bench.${i}:${createHmac('sha256', digest).update(String(i)).digest('hex')}@127.0.0.1:${gwPort}`;
    return { proc, urlFor };
  }
  /** A contender through the gateway: one gateway process, its waiters queued in it (Redis sees one blocked client). */
  async function viaGateway(name: string, spawnWorker: (i: number, workerUrl: string) => ChildProcess, ready: (procs: ChildProcess[]) => Promise<void>): Promise<number> {
    const gw = await startGateway();
    try {
      return await listContender(name, (i) => spawnWorker(i, gw.urlFor(i)), async (procs) => {
        await ready(procs);
        await waitUntil(async () => (await blockedClients(r)) >= 1, 10_000, `${name}: the gateway's waiting connection blocked`);
        // The workers' waits queue in the gateway, where Redis cannot count them: a bounded settle.
        await sleep(1500);
      }, gw.proc);
    } finally {
      await stopAll([gw.proc]);
    }
  }
  const sdkViaGateway = () =>
    viaGateway(
      'gateway_ts_sdk_batch100',
      (i, workerUrl) => spawn(process.execPath, [join(work, 'examples/node-worker/worker.js')], {
        env: { ...env, INPUT_REDIS_URL: workerUrl, INPUT_QUEUE: 'bench:in', OUTPUT_QUEUE: 'bench:out', NODE_ID: 'bench', INSTANCE_ID: String(i),
          GRIDCORE_BATCH: '100', GRIDCORE_CONCURRENCY: '1', GRIDCORE_BLOCK_S: '30', GRIDCORE_IDLE_EXIT_S: '600' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
      (procs) => Promise.all(procs.map((p) => new Promise<void>((res, rej) => {
        p.stdout!.on('data', (d) => /gridcore-worker /.test(String(d)) && res());
        p.once('exit', (code) => rej(new Error(`sdk worker exited ${code} before its start-up line`)));
      }))).then(() => undefined),
    );
  const originalViaGateway = () =>
    viaGateway(
      'gateway_original_consumer',
      (_i, workerUrl) => spawn('/usr/bin/python3', [join(ROOT, 'examples/original-consumer/consumer.py')], {
        env: { ...env, INPUT_REDIS_URL: workerUrl, OUTPUT_REDIS_URL: workerUrl, INPUT_QUEUE: 'bench:in', OUTPUT_QUEUE: 'bench:out' },
        stdio: 'inherit',
      }),
      async () => undefined,
    );

  async function bullmq(): Promise<number> {
    await r.flushall();
    const q = new Queue('bench', { connection: { host: '127.0.0.1', port } });
    const procs: ChildProcess[] = [];
    try {
      await q.pause();
      for (let i = 1; i <= N; i += 5000) {
        const jobs = [];
        for (let j = i; j < Math.min(i + 5000, N + 1); j++) jobs.push({ name: 'j', data: String(j), opts: { removeOnComplete: true } });
        await q.addBulk(jobs);
      }
      const loaded = await q.count();
      if (loaded !== N) throw new Error(`bullmq: ${loaded} jobs loaded, want ${N}`);
      let completed = 0;
      let ready = 0;
      for (let i = 0; i < P; i++) {
        const p = track(fork(join(work, 'bench/throughput-bullmq-worker.js'), ['bench', String(port), String(N)], { env }));
        p.on('message', (m: { completed?: number; ready?: boolean }) => {
          completed += m.completed ?? 0;
          if (m.ready) ready++;
        });
        procs.push(p);
      }
      await waitUntil(() => ready === P, 30_000, 'bullmq workers ready');
      // Ready = connected and running; give them a bounded moment to block on the paused queue.
      await waitUntil(async () => (await blockedClients(r)) >= P, 5_000, 'bullmq workers blocked').catch(() => undefined);
      const t = process.hrtime.bigint();
      await q.resume();
      await waitUntil(() => completed >= N, TIMEOUT_MS, `bullmq: ${N} completed events (have ${completed})`);
      const secs = Number(process.hrtime.bigint() - t) / 1e9;
      // Every worker's bitmap: together they must hold each item exactly once.
      const reports = await Promise.all(procs.map((p) => new Promise<{ bad: number; seen: string }>((res, rej) => {
        const timer = setTimeout(() => rej(new Error('bullmq worker did not report')), 30_000);
        p.on('message', (m: { bad?: number; seen?: string }) => {
          if (m.seen !== undefined) {
            clearTimeout(timer);
            res({ bad: m.bad ?? 0, seen: m.seen });
          }
        });
        p.send({ cmd: 'report' });
      })));
      const union = new Uint8Array(N + 1);
      let total = 0;
      for (const rep of reports) {
        if (rep.bad > 0) throw new Error(`bullmq: ${rep.bad} wrong or repeated results`);
        const seen = Buffer.from(rep.seen, 'base64');
        for (let n = 1; n <= N; n++) if (seen[n]) {
          if (union[n]) throw new Error(`bullmq: item ${n} completed twice`);
          union[n] = 1;
          total++;
        }
      }
      if (total !== N || completed !== N) throw new Error(`bullmq: ${total} distinct items, ${completed} completed events, want ${N}`);
      return N / secs;
    } finally {
      await stopAll(procs);
      await q.close();
    }
  }
  async function redisCeiling(): Promise<number> {
    await r.flushall();
    const secs = pipe(port, ceiling);
    if ((await r.llen('bench:ceiling')) !== N) throw new Error('ceiling list incomplete');
    return N / secs;
  }

  const contenders: [string, () => Promise<number>][] = (
    [
      ['ts_sdk_batch100', () => sdk(100)],
      ['ts_sdk_batch1', () => sdk(1)],
      ['original_consumer', original],
      ['gateway_ts_sdk_batch100', sdkViaGateway],
      ['gateway_original_consumer', originalViaGateway],
      ['bullmq', bullmq],
      ['redis_ceiling', redisCeiling],
    ] as [string, () => Promise<number>][]
  ).filter(([name]) => ONLY.length === 0 || ONLY.includes(name));
  const figures: Record<string, number[]> = {};
  for (let run = 1; run <= RUNS; run++) {
    for (const [name, fn] of contenders) {
      const v = await fn();
      (figures[name] ??= []).push(v);
      const cpuNote = [['redis', redisCpu], ['workers', workerCpu], ['gateway', gatewayCpu]]
        .map(([what, f]) => [what, (f as Record<string, number[]>)[name]?.[run - 1]] as const)
        .filter(([, us]) => us !== undefined && Number.isFinite(us))
        .map(([what, us]) => `${what} ${Math.round(us as number)}`)
        .join(', ');
      console.log(`run ${run} ${name}: ${Math.round(v).toLocaleString('en-US')} items/s${cpuNote ? ` (CPU µs per item: ${cpuNote})` : ''}`);
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const m = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(median(v))]));
  const usec = Object.fromEntries(Object.entries(scriptUsec).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]));
  const medians = (f: Record<string, number[]>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Math.round(median(v) * 10) / 10]));
  const cpu = medians(redisCpu);
  console.log(`\nN=${N} P=${P} runs=${RUNS} (median items/s; all runs: ${JSON.stringify(figures, (_k, v) => (typeof v === 'number' ? Math.round(v) : v))})`);
  console.log('| contender | items/s |\n|---|---|');
  for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toLocaleString('en-US')} |`);
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);
  r.disconnect();
  await server.stop();
  server = undefined;
  console.log(JSON.stringify({
    n: N, p: P, runs: RUNS, items_per_s: m, sdk_script_usec_per_call: usec, redis_cpu_us_per_item: cpu,
    worker_cpu_us_per_item: medians(workerCpu), gateway_cpu_us_per_item: medians(gatewayCpu),
    ratio_vs_original: ratio(m.ts_sdk_batch100, m.original_consumer),
    ratio_vs_bullmq: ratio(m.ts_sdk_batch100, m.bullmq),
    ratio_vs_redis_ceiling: ratio(m.ts_sdk_batch100, m.redis_ceiling),
    batch1_ratio_vs_original: ratio(m.ts_sdk_batch1, m.original_consumer),
    gateway_sdk_ratio_vs_direct: ratio(m.gateway_ts_sdk_batch100, m.ts_sdk_batch100),
    gateway_original_ratio_vs_direct: ratio(m.gateway_original_consumer, m.original_consumer),
  }));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
