/**
 * Per-call cost of the take script inside Redis (INFO commandstats usec_per_call), for the
 * scripts in GRIDCORE_SCRIPTS_DIR and optionally a second directory (BASE_SCRIPTS_DIR), each
 * driving R take+ack cycles of batch K on one connection, interleaved to share the noise.
 */
import Redis from 'ioredis';
import { QueueKeys, ScriptRunner, WorkQueue } from '../libs/queue/src';
import { startRedis } from '../test/support/redis-server';

async function main(): Promise<void> {
  const rounds = Number(process.env.R ?? 3000);
  const dirs = [process.env.GRIDCORE_SCRIPTS_DIR ?? `${__dirname}/../libs/queue/src/scripts`, process.env.BASE_SCRIPTS_DIR].filter((d): d is string => !!d);
  const server = await startRedis();
  const r = new Redis(server.url);
  try {
    for (const batch of [1, 100]) {
      for (let rep = 0; rep < 2; rep++) {
        for (const [di, dir] of dirs.entries()) {
          await r.flushall();
          const q = `cost${batch}`;
          const wq = new WorkQueue(r, q, { outputQueue: `{${q}}:out`, scripts: new ScriptRunner(dir) });
          const items = Array.from({ length: rounds * batch }, (_, i) => String(i));
          for (let i = 0; i < items.length; i += 1000) await r.lpush(q, ...items.slice(i, i + 1000));
          await r.config('RESETSTAT');
          const lanePrefix = new QueueKeys(q).lanePrefix({ nodeId: 'n', instance: 0, runId: 'r', lane: 0 });
          let ack: { batchKey: string; results: string[] } | undefined;
          const t = process.hrtime.bigint();
          for (let i = 0; i < rounds; i++) {
            const reply = await wq.take({ nodeId: 'n', lanePrefix, size: batch, ack });
            ack = { batchKey: reply.batchKey, results: reply.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) };
          }
          const wall = Number(process.hrtime.bigint() - t) / 1e3 / rounds;
          const stat = /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(await r.info('commandstats'));
          console.log(`batch ${batch} ${di === 0 ? 'current' : 'base   '}: ${stat?.[3]} us/call in redis, ${wall.toFixed(1)} us/round trip`);
        }
      }
    }
  } finally {
    r.disconnect();
    await server.stop();
  }
}
void main();
