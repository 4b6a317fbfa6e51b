/**
 * bench/node-footprint: the GridNode agent's resident memory idle (registered, no task) and while
 * driving 16 containers, each read after 10 s in that state, beside a bare
 * `node -e "setInterval(()=>{},1000)"` measured in the same run. Target: idle under 80 MB (a
 * Raspberry Pi node). Real hub process, real redis-server, real Docker engine.
 *
 *   npm run bench:node-footprint
 *
 * The last line printed is one JSON object: idle_rss_mb, busy_rss_mb, bare_node_rss_mb, ratios.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startHubProcess } from '../../test/support/hub-process';
import { waitFor } from '../../test/support/ports';
import { startRedis } from '../../test/support/redis-server';
import { startAgent } from '../../test/node/support/agent-process';
import { ensureTestImage, listLabelled, removeLabelled, requireDockerEngine } from '../../test/node/support/test-image';

const SETTLE_MS = 10_000;
const CONTAINERS = 16;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`node-footprint: ${line}\n`);

async function main(): Promise<void> {
  requireDockerEngine();
  const image = ensureTestImage();
  const redis = await startRedis();
  const hub = await startHubProcess();
  const bare = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
  const agent = startAgent({
    GRIDNODE_SERVER_URL: hub.url,
    GRIDNODE_TOKEN: hub.token,
    GRIDNODE_PARALLELISM: String(CONTAINERS),
    GRIDNODE_HEARTBEAT_INTERVAL: '5',
    GRIDNODE_CONTAINER_MEMORY: '32',
  });
  let nodeId = '';
  try {
    nodeId = await waitFor(() => /registered with .* as (\S+)/.exec(agent.output())?.[1], 30_000, 'agent registered');
    log(`agent ${agent.process.pid} registered as ${nodeId}; idle for ${SETTLE_MS / 1000} s`);
    await sleep(SETTLE_MS);
    const idle = rssMb(agent.process.pid!);
    const bareRss = rssMb(bare.pid!);
    log(`idle: agent ${idle} MB, bare node ${bareRss} MB`);

    const res = await hub.api('POST', '/api/tasks', {
      name: 'footprint',
      image,
      input_redis: redis.url,
      input_queue: 'footprint:in',
      cpus: 0.1,
      env: { MODE: 'serve' },
    });
    if (res.status !== 201) throw new Error(`POST /api/tasks answered ${res.status}`);
    await waitFor(() => listLabelled(`gridcore.node=${nodeId}`, false).length === CONTAINERS, 120_000, `${CONTAINERS} running containers`, 200);
    log(`${CONTAINERS} containers running; busy for ${SETTLE_MS / 1000} s`);
    await sleep(SETTLE_MS);
    const busy = rssMb(agent.process.pid!);
    const running = listLabelled(`gridcore.node=${nodeId}`, false).length;
    log(`busy: agent ${busy} MB with ${running} containers`);

    agent.signal('SIGTERM');
    const code = await agent.exited;
    const left = listLabelled(`gridcore.node=${nodeId}`).length;
    log(`agent stopped with ${code}; containers left: ${left}`);
    const result = {
      bench: 'node-footprint',
      idle_rss_mb: idle,
      busy_rss_mb: busy,
      bare_node_rss_mb: bareRss,
      idle_vs_bare: Math.round((idle / bareRss) * 100) / 100,
      busy_vs_bare: Math.round((busy / bareRss) * 100) / 100,
      containers: running,
      idle_target_mb: 80,
      idle_under_target: idle < 80,
      settle_s: SETTLE_MS / 1000,
    };
    console.log(JSON.stringify(result));
  } finally {
    agent.signal('SIGKILL');
    bare.kill('SIGKILL');
    if (nodeId) removeLabelled(`gridcore.node=${nodeId}`);
    await hub.stop();
    await redis.stop();
  }
}

main().catch((err: Error) => {
  console.error(`node-footprint: ${err.message}`);
  process.exit(1);
});
