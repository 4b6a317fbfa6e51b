/**
 * Per-call cost of the take scripts inside Redis (INFO commandstats usec_per_call), for the
 * scripts in GRIDCORE_SCRIPTS_DIR and optionally a second directory (BASE_SCRIPTS_DIR), each
 * driving R take+ack cycles of batch K on one connection, interleaved to share the noise; then
 * take-group (the small-batch path) acking and taking G batches of 1 per call (env TAKE_GROUPS, default
 * 1,4,16), reported per item.
 */
import Redis from 'ioredis';
import { BatchAck, QueueKeys, ScriptRunner, WorkQueue } from '../libs/queue/src';
import { startRedis } from '../test/support/redis-server';

async function main(): Promise<void> {
  const rounds = Number(process.env.R ?? 3000);
  const groups = (process.env.TAKE_GROUPS ?? '1,4,16').split(',').map(Number);
  const dirs = [process.env.GRIDCORE_SCRIPTS_DIR ?? `${__dirname}/../libs/queue/src/scripts`, process.env.BASE_SCRIPTS_DIR].filter((d): d is string => !!d);
  const server = await startRedis();
  const r = new Redis(server.url);
  const evalsha = async () => /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(await r.info('commandstats'));
  const load = async (q: string, n: number) => {
    await r.flushall();
    const items = Array.from({ length: n }, (_, i) => String(i));
    for (let i = 0; i < items.length; i += 1000) await r.lpush(q, ...items.slice(i, i + 1000));
    await r.config('RESETSTAT');
  };
  try {
    for (const batch of [1, 100]) {
      for (let rep = 0; rep < 2; rep++) {
        for (const [di, dir] of dirs.entries()) {
          const q = `cost${batch}`;
          await load(q, rounds * batch);
          const wq = new WorkQueue(r, q, { outputQueue: `{${q}}:out`, scripts: new ScriptRunner(dir) });
          const lanePrefix = new QueueKeys(q).lanePrefix({ nodeId: 'n', instance: 0, runId: 'r', lane: 0 });
          let ack: { batchKey: string; results: string[] } | undefined;
          const t = process.hrtime.bigint();
          for (let i = 0; i < rounds; i++) {
            const reply = await wq.take({ nodeId: 'n', lanePrefix, size: batch, ack });
            ack = { batchKey: reply.batchKey, results: reply.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) };
          }
          const wall = Number(process.hrtime.bigint() - t) / 1e3 / rounds;
          console.log(`batch ${batch} ${di === 0 ? 'current' : 'base   '}: ${(await evalsha())?.[3]} us/call in redis, ${wall.toFixed(1)} us/round trip`);
        }
      }
    }
    for (let rep = 0; rep < 2; rep++) {
      for (const g of groups) {
        const q = 'costgroup';
        await load(q, rounds);
        const wq = new WorkQueue(r, q, { outputQueue: `{${q}}:out`, scripts: new ScriptRunner(dirs[0]) });
        const call = wq.laneGroupTakes({ nodeId: 'n', lanePrefix: new QueueKeys(q).lanePrefix({ nodeId: 'n', instance: 0, runId: 'r', lane: 0 }), size: 1 });
        let acks: BatchAck[] = [];
        const t = process.hrtime.bigint();
        let calls = 0;
        for (let taken = 0; taken < rounds; taken += g, calls++) {
          const reply = await call.take(acks, false, g);
          acks = reply.batches.map((b) => ({ batchKey: b.batchKey, results: b.items.map((n) => `${n}:${Math.sqrt(Number(n))}`) }));
        }
        await wq.ackMany('n', acks);
        const wall = Number(process.hrtime.bigint() - t) / 1e3 / rounds;
        const stat = await evalsha();
        const perItem = Number(stat?.[2]) / rounds;
        if ((await r.llen(`{${q}}:out`)) !== rounds) throw new Error(`take-group G=${g}: output incomplete`);
        console.log(`batch 1 take-group G=${g}: ${perItem.toFixed(1)} us/item in redis (${stat?.[3]} us/call), ${wall.toFixed(1)} us/item wall`);
      }
    }
  } finally {
    r.disconnect();
    await server.stop();
  }
}
void main();
