// A hostile worker (issue 16.7): run by GridNode from a task, it tries to harm the operator's
// Redis, other tasks' data and the node, and LPUSHes one JSON line per attempt to its output
// queue: {attempt, outcome: "refused" | "allowed" | "contained" | "not_contained", detail}.
// Every attempt is bounded (count and time), so a missing defence cannot hurt the test machine.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const Redis = require('ioredis');

const env = process.env;
const redis = new Redis(env.INPUT_REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
redis.on('error', () => undefined);
const results = [];

async function redisAttempt(attempt, run) {
  try {
    const reply = await run();
    results.push({ attempt, outcome: 'allowed', detail: String(reply).slice(0, 120) });
  } catch (err) {
    const message = String(err && err.message).split('\n')[0];
    // NOPERM is the ACL's answer; Redis refuses DEBUG before the ACL is even asked (enable-debug-command).
    // Through the data gateway (issue 17) a refusal is the gateway's own error, or a refused AUTH.
    const refused =
      /^NOPERM/.test(message) || /^ERR DEBUG command not allowed/.test(message) || /^ERR gridcore gateway:/.test(message) || /^WRONGPASS/.test(message);
    results.push({ attempt, outcome: refused ? 'refused' : 'error', detail: message.slice(0, 200) });
  }
}

function localAttempt(attempt, run) {
  try {
    const { contained, detail } = run();
    results.push({ attempt, outcome: contained ? 'contained' : 'not_contained', detail });
  } catch (err) {
    results.push({ attempt, outcome: 'contained', detail: String(err && err.message).slice(0, 200) });
  }
}

async function main() {
  const otherKey = env.OTHER_KEY;
  const otherQueue = env.OTHER_QUEUE;
  await redisAttempt('FLUSHALL', () => redis.flushall());
  await redisAttempt('FLUSHDB', () => redis.flushdb());
  await redisAttempt('KEYS *', () => redis.keys('*'));
  await redisAttempt('SCAN', () => redis.scan(0));
  await redisAttempt('GET other task key', () => redis.get(otherKey));
  await redisAttempt('SET other task key', () => redis.set(otherKey, 'hostile'));
  await redisAttempt('LPUSH other task queue', () => redis.lpush(otherQueue, 'hostile'));
  await redisAttempt('LRANGE other task queue', () => redis.lrange(otherQueue, 0, -1));
  await redisAttempt('CONFIG GET', () => redis.config('GET', '*'));
  await redisAttempt('CONFIG SET', () => redis.config('SET', 'maxmemory', '1'));
  await redisAttempt('ACL LIST', () => redis.call('ACL', 'LIST'));
  await redisAttempt('ACL SETUSER', () => redis.call('ACL', 'SETUSER', 'hostile', 'on', '>x', '~*', '+@all'));
  await redisAttempt('EVAL', () => redis.eval("return redis.call('FLUSHALL')", 0));
  await redisAttempt('SCRIPT LOAD', () => redis.script('LOAD', 'while true do end'));
  await redisAttempt('FUNCTION LOAD', () => redis.call('FUNCTION', 'LOAD', "#!lua name=h\nredis.register_function('h', function() return 1 end)"));
  await redisAttempt('CLIENT LIST', () => redis.client('LIST'));
  await redisAttempt('CLIENT KILL', () => redis.call('CLIENT', 'KILL', 'TYPE', 'normal'));
  await redisAttempt('MONITOR', () => redis.call('MONITOR'));
  await redisAttempt('DEBUG SLEEP', () => redis.call('DEBUG', 'SLEEP', '5'));
  await redisAttempt('SELECT 1', () => redis.select(1));
  await redisAttempt('SHUTDOWN', () => redis.call('SHUTDOWN', 'NOSAVE'));
  if (env.HOSTILE_MODE === 'gateway') return gatewayAttempts();

  localAttempt('write under /', () => {
    fs.writeFileSync('/hostile-was-here', 'x');
    return { contained: false, detail: 'wrote /hostile-was-here' };
  });
  localAttempt('fork bomb (bounded: 300 processes)', () => {
    const r = spawnSync('/bin/sh', ['-c', 'n=0; while [ $n -lt 300 ]; do sleep 20 & n=$((n+1)); done; jobs -p | wc -l; kill $(jobs -p) 2>/dev/null; true'], { encoding: 'utf8', timeout: 30_000 });
    const started = Number((r.stdout || '').trim().split('\n').pop());
    return { contained: !(started >= 300), detail: `started ${Number.isFinite(started) ? started : 0} of 300; ${(r.stderr || '').split('\n')[0].slice(0, 120)}` };
  });
  const flood = await new Promise((resolve) => {
    // In a child, so the kernel's OOM kill (the container's memory limit) ends it and not us.
    const child = spawn(process.execPath, ['-e', 'const a=[];for(let i=0;i<64;i++){a.push(Buffer.alloc(64*1024*1024,1));}console.log("allocated 4096 MB")'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out: out.trim() });
    });
  });
  results.push({ attempt: 'memory flood (4 GB)', outcome: flood.out ? 'not_contained' : 'contained', detail: `exit ${flood.code} signal ${flood.signal} ${flood.out}` });

  // Allowed on purpose: its own output list (LPUSH), so the test can read what happened.
  await redis.lpush(env.OUTPUT_QUEUE, ...results.map((r) => JSON.stringify(r)));
  await redis.lpush(env.OUTPUT_QUEUE, JSON.stringify({ attempt: 'done', outcome: 'done', detail: `${results.length} attempts` }));
  // Idle until stopped, so the node does not run the attempts again.
  setInterval(() => undefined, 60_000);
}

/** Attempts only a gateway can refuse (issue 17.7): the task's own keys misused, and speaking as another. */
async function gatewayAttempts() {
  const input = env.INPUT_QUEUE;
  const output = env.OUTPUT_QUEUE;
  const url = new URL(env.INPUT_REDIS_URL);
  const asUser = async (user) => {
    const other = new Redis({ host: url.hostname, port: Number(url.port), username: user, password: decodeURIComponent(url.password), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // A refused AUTH closes the connection: the 'error' event carries the server's answer.
    let lastError = null;
    other.on('error', (err) => (lastError = err));
    try {
      await other.connect();
      return await other.ping();
    } catch (err) {
      throw lastError || err;
    } finally {
      other.disconnect();
    }
  };
  await redisAttempt('LPUSH forged result without a held item', () => redis.lpush(output, 'forged:1'));
  await redisAttempt('RPUSH input', () => redis.rpush(input, 'hostile'));
  await redisAttempt('DEL input', () => redis.del(input));
  await redisAttempt('LRANGE input', () => redis.lrange(input, 0, -1));
  await redisAttempt('LLEN other queue', () => redis.llen(env.OTHER_QUEUE));
  await redisAttempt('BLMOVE to another node\'s batch key', () => redis.blmove(input, env.FOREIGN_BATCH_KEY, 'RIGHT', 'LEFT', 1));
  await redisAttempt('BLMOVE to another instance\'s batch key', () => redis.blmove(input, env.SIBLING_BATCH_KEY, 'RIGHT', 'LEFT', 1));
  await redisAttempt('EVALSHA of a script not in the manifest', () => redis.evalsha('0123456789abcdef0123456789abcdef01234567', 0));
  await redisAttempt('EVAL', () => redis.eval('return 1', 0));
  await redisAttempt('AUTH as another instance', () => asUser(`${env.NODE_ID}.${Number(env.INSTANCE_ID) + 1}`));
  await redisAttempt('AUTH as the node itself', () => asUser(env.NODE_ID));
  // Allowed on purpose: one pop holds one leased item, and the report pushed next is its result.
  let popped = null;
  try {
    popped = await redis.lpop(input);
  } catch (err) {
    popped = `error ${String(err && err.message).split('\n')[0]}`;
  }
  results.push({ attempt: 'LPOP input', outcome: popped && !String(popped).startsWith('error') ? 'leased' : 'error', detail: String(popped) });
  await redis.lpush(output, JSON.stringify({ attempt: 'report', outcome: 'done', results }));
  setInterval(() => undefined, 60_000);
}

main().catch((err) => {
  process.stderr.write(`hostile worker failed: ${err && err.stack}\n`);
  process.exit(1);
});
