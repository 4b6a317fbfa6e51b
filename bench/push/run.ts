/**
 * bench:push (issue 9 point 5): `gridctl push` of a 1,000,000-line file beside `redis-cli --pipe`
 * fed the same items as inline `LPUSH` commands (the seed's way), both against one
 * password-protected redis-server, both timed as whole commands (process start-up included;
 * writing redis-cli's input file is not), alternating, median of RUNS, in the same run. The
 * last line is one JSON object with both rates and `ratio_vs_redis_cli` (target >= 0.5).
 *
 *   npm run bench:push            (ITEMS=1000000 RUNS=3 by default)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { startHubProcess } from '../../test/support/hub-process';
import { ensureGridctlBuilt } from '../../test/gridctl/gridctl-cli';
import { startRedis } from '../../test/support/redis-server';

const ROOT = resolve(__dirname, '..', '..');
const ITEMS = Number(process.env.ITEMS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const QUEUE = 'bench:push:in';
const TIMEOUT_MS = 300_000;

function timed(command: string, args: string[], env: NodeJS.ProcessEnv, stdinFile?: string): number {
  const started = process.hrtime.bigint();
  const r = stdinFile
    ? spawnSync('sh', ['-c', `"$0" "$@" < '${stdinFile}' > /dev/null`, command, ...args], { env, timeout: TIMEOUT_MS, encoding: 'utf8' })
    : spawnSync(command, args, { env, timeout: TIMEOUT_MS, encoding: 'utf8' });
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout || '').slice(-1000)}`);
  return secs;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main(): Promise<void> {
  ensureGridctlBuilt();
  const work = mkdtempSync(join(tmpdir(), 'bench-push-'));
  const password = 'bench-push-pw';
  const redis = await startRedis({ password });
  const hub = await startHubProcess();
  const client = new Redis(redis.url);
  try {
    // A task nobody consumes (no node): the queue only grows.
    const add = await hub.api('POST', '/api/tasks', { name: 'bench-push', image: 'none:1', input_redis: redis.url, input_queue: QUEUE });
    if (add.status !== 201) throw new Error(`task add: ${add.status} ${JSON.stringify(add.body)}`);

    const itemsFile = join(work, 'items.txt');
    const pipeFile = join(work, 'lpush.txt');
    const numbers = Array.from({ length: ITEMS }, (_, i) => String(i + 1));
    writeFileSync(itemsFile, `${numbers.join('\n')}\n`);
    writeFileSync(pipeFile, numbers.map((n) => `LPUSH ${QUEUE} ${n}\n`).join(''));

    const xdg = join(work, 'config');
    const env = { PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: xdg };
    const bin = join(ROOT, 'bin', 'gridctl.js');
    timed(process.execPath, [bin, 'cluster', 'add', 'bench', '--hub', hub.url, '--token', hub.token, '--redis', redis.url], env);

    const gridctl: number[] = [];
    const redisCli: number[] = [];
    const check = async (who: string) => {
      const n = await client.llen(QUEUE);
      if (n !== ITEMS) throw new Error(`${who} left ${n} items, not ${ITEMS}`);
      const [first, last] = await Promise.all([client.lindex(QUEUE, -1), client.lindex(QUEUE, 0)]);
      if (first !== '1' || last !== String(ITEMS)) throw new Error(`${who}: order wrong (${first} ... ${last})`);
      await client.del(QUEUE);
    };
    for (let run = 0; run < RUNS; run++) {
      // Alternate which goes first, so neither always meets a warmer server.
      const order = run % 2 === 0 ? ['gridctl', 'redis-cli'] : ['redis-cli', 'gridctl'];
      for (const who of order) {
        await client.del(QUEUE);
        if (who === 'gridctl') gridctl.push(timed(process.execPath, [bin, 'push', 'bench-push', '--file', itemsFile, '--no-progress'], env));
        else redisCli.push(timed('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), '-a', password, '--no-auth-warning', '--pipe'], env, pipeFile));
        await check(who);
      }
      console.log(`run ${run + 1}: gridctl push ${gridctl[run].toFixed(3)} s, redis-cli --pipe ${redisCli[run].toFixed(3)} s`);
    }
    const g = ITEMS / median(gridctl);
    const r = ITEMS / median(redisCli);
    console.log(`\n${ITEMS} items, median of ${RUNS}: gridctl push ${Math.round(g)} items/s, redis-cli --pipe ${Math.round(r)} items/s`);
    console.log(
      JSON.stringify({
        bench: 'push',
        items: ITEMS,
        runs: RUNS,
        gridctl_push_items_per_s: Math.round(g),
        redis_cli_pipe_items_per_s: Math.round(r),
        ratio_vs_redis_cli: Math.round((g / r) * 1000) / 1000,
        gridctl_s: gridctl.map((s) => Math.round(s * 1000) / 1000),
        redis_cli_s: redisCli.map((s) => Math.round(s * 1000) / 1000),
      }),
    );
  } finally {
    client.disconnect();
    await hub.stop();
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:push failed: ${(err as Error).message}`);
  process.exit(1);
});
