import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { startRedis } from '../test/support/redis-server';
const ROOT='/work/main';
const N = Number(process.env.N ?? 200000), B = Number(process.env.B ?? 100), P = Number(process.env.P ?? 2);
(async () => {
  const s = await startRedis(); const r = new Redis(s.url);
  for (let i = 1; i <= N; i += 1000) { const a=[]; for (let j=i;j<Math.min(i+1000,N+1);j++) a.push(String(j)); await r.lpush('st', ...a); }
  await r.config('RESETSTAT');
  const procs = Array.from({length:P},(_,i)=>spawn(process.execPath,[...(process.env.CPUPROF&&i===0?['--cpu-prof','--cpu-prof-dir=/tmp/prof/cpu']:[]),'/tmp/prof/out/examples/node-worker/worker.js'],{env:{...process.env,NODE_PATH:join(ROOT,'node_modules'),GRIDCORE_SCRIPTS_DIR:join(ROOT,'libs/queue/src/scripts'),INPUT_REDIS_URL:s.url,INPUT_QUEUE:'in',OUTPUT_QUEUE:'out',NODE_ID:'b',INSTANCE_ID:String(i),GRIDCORE_BATCH:String(B),GRIDCORE_BLOCK_S:'30',GRIDCORE_IDLE_EXIT_S:'600'},stdio:['ignore','ignore','inherit']}));
  for (;;) { const c=Number(/blocked_clients:(\d+)/.exec(await r.info('clients'))![1]); if (c>=P) break; await new Promise(r=>setTimeout(r,5)); }
  const t=Date.now(); await r.rename('st','in');
  while ((await r.llen('out')) < N) { if (Date.now()-t>120000) throw new Error('timeout'); await new Promise(r=>setTimeout(r,5)); }
  const secs=(Date.now()-t)/1000;
  console.log(`N=${N} B=${B} P=${P}: ${Math.round(N/secs)} items/s`);
  const cs = (await r.info('commandstats')).split('\n').filter(l=>l.startsWith('cmdstat')); console.log(cs.join('\n'));
  procs.forEach(p=>p.kill('SIGTERM')); await Promise.all(procs.map(p=>new Promise(res=>p.once('exit',res))));
  r.disconnect(); await s.stop();
})();
