/**
 * Profiling aid for bench/throughput: N items through P TS SDK workers at batch B, then INFO
 * commandstats (per command usec/call; commands run inside scripts are counted too) and the
 * SLOWLOG entries above 1 ms. CPUPROF=1 runs worker 0 under `node --cpu-prof` (profile in
 * CPUPROF_DIR, default ./cpu-profile). Env: N (200000), B (100), P (2). Bounded: 120 s.
 * Needs the compiled example worker: WORKER_JS (default /tmp/gridcore-prof/examples/node-worker/worker.js,
 * made by compileWorkersFromSource('/tmp/gridcore-prof', ['examples/node-worker/worker.ts']) of
 * test/support/sdk-workers.ts, which resolves its `@gridcore/worker` import to this checkout's SDK).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { startRedis } from '../test/support/redis-server';

const ROOT = resolve(__dirname, '..');
const N = Number(process.env.N ?? 200_000);
const B = Number(process.env.B ?? 100);
const P = Number(process.env.P ?? 2);
const WORKER = process.env.WORKER_JS ?? '/tmp/gridcore-prof/examples/node-worker/worker.js';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const server = await startRedis();
  const r = new Redis(server.url);
  const procs = [];
  try {
    for (let i = 1; i <= N; i += 1000) {
      const chunk = [];
      for (let j = i; j < Math.min(i + 1000, N + 1); j++) chunk.push(String(j));
      await r.lpush('staging', ...chunk);
    }
    for (let i = 0; i < P; i++) {
      const prof = process.env.CPUPROF && i === 0 ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPUPROF_DIR ?? 'cpu-profile'}`] : [];
      procs.push(spawn(process.execPath, [...prof, WORKER], {
        env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), GRIDCORE_SCRIPTS_DIR: join(ROOT, 'libs/queue/src/scripts'), INPUT_REDIS_URL: server.url,
          INPUT_QUEUE: 'in', OUTPUT_QUEUE: 'out', NODE_ID: 'prof', INSTANCE_ID: String(i), GRIDCORE_BATCH: String(B), GRIDCORE_BLOCK_S: '30', GRIDCORE_IDLE_EXIT_S: '600' },
        stdio: ['ignore', 'ignore', 'inherit'],
      }));
    }
    const deadline = Date.now() + 120_000;
    while (Number(/blocked_clients:(\d+)/.exec(await r.info('clients'))?.[1] ?? 0) < P) {
      if (Date.now() > deadline) throw new Error('workers not blocked');
      await sleep(5);
    }
    await r.config('RESETSTAT');
    await r.config('SET', 'slowlog-log-slower-than', '1000');
    await r.slowlog('RESET');
    const t = Date.now();
    await r.rename('staging', 'in');
    while ((await r.llen('out')) < N) {
      if (Date.now() > deadline) throw new Error('timed out');
      await sleep(5);
    }
    console.log(`N=${N} B=${B} P=${P}: ${Math.round(N / ((Date.now() - t) / 1000))} items/s`);
    console.log((await r.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat')).join('\n'));
    const slow = (await r.slowlog('GET', 1000)) as unknown[][];
    console.log(`slowlog > 1 ms: ${slow.length} entries, max ${Math.max(0, ...slow.map((e) => Number(e[2])))} us`);
  } finally {
    procs.forEach((p) => p.kill('SIGTERM'));
    await Promise.race([Promise.all(procs.map((p) => new Promise((res) => (p.exitCode !== null ? res(null) : p.once('exit', res))))), sleep(10_000)]);
    procs.forEach((p) => p.exitCode === null && p.kill('SIGKILL'));
    r.disconnect();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
