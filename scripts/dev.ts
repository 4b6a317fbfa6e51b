/**
 * `npm run dev` (via scripts/dev.sh): a single-machine grid that stays up until Ctrl-C: a
 * redis-server (port 6379 when free), the hub (127.0.0.1:8080 when free) and one GridNode with
 * parallelism = CPU count. It prints the hub URL, the Swagger URL, the Redis URL and the token to
 * use, on this terminal only: the logs in .tmp/dev/ never hold the token. Hub state and the node id
 * stay in .tmp/dev/ (or GRIDCORE_DEV_DIR) between runs; the token is new every run unless
 * GRIDCORE_DEV_TOKEN is set. Its `export HUB=… TOKEN=… REDIS_URL=…` line is what the READMEs'
 * commands expect in the shell (test/docs/readme-commands.e2e-spec.ts parses it the same way).
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { LocalGrid, ROOT, runWithCleanup } from './demo-grid';

const say = (line: string) => console.log(`dev: ${line}`);
const parallelism = Number(process.env.GRIDCORE_DEV_PARALLELISM) || cpus().length;
const token = process.env.GRIDCORE_DEV_TOKEN || randomBytes(32).toString('hex');
const grid = new LocalGrid({
  dir: process.env.GRIDCORE_DEV_DIR || join(ROOT, '.tmp', 'dev'),
  removeDir: false,
  token,
  parallelism,
  redisPort: Number(process.env.GRIDCORE_DEV_REDIS_PORT) || 6379,
  hubPort: Number(process.env.GRIDCORE_DEV_HUB_PORT) || 8080,
  say,
});

runWithCleanup(
  grid,
  async () => {
    LocalGrid.checkBuilt();
    const redisUrl = await grid.startRedis();
    const hub = await grid.startHub();
    await grid.startNode();
    console.log(
      [
        '',
        'GridCore is up on this machine (Ctrl-C stops it):',
        `  hub         ${hub.baseUrl}   (dashboard)`,
        `  Swagger     ${hub.baseUrl}/docs`,
        `  token       ${token}`,
        `  Redis       ${redisUrl}`,
        `  gateway     ${grid.gatewayUrl}   (volunteer nodes' containers reach gateway tasks here)`,
        `  logs        ${grid.dir}/{hub,gridnode,redis}.log`,
        '',
        "In another terminal, set what the READMEs' commands use:",
        `  export HUB=${hub.baseUrl} TOKEN=${token} REDIS_URL=${redisUrl}`,
        'Try:',
        '  curl -s -H "Authorization: Bearer $TOKEN" $HUB/api/nodes',
        '  bash examples/build-images.sh',
        `  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' $HUB/api/tasks \\`,
        `    -d '{"name":"sqrt","image":"gridcore/example-node-worker:local","input_redis":"'"$REDIS_URL"'","input_queue":"{sqrt}:in","output_queue":"{sqrt}:out"}'`,
        `  redis-cli -u "$REDIS_URL" lpush '{sqrt}:in' 1 2 3 4 && redis-cli -u "$REDIS_URL" lrange '{sqrt}:out' 0 -1`,
        '',
      ].join('\n'),
    );
    // Up until Ctrl-C (runWithCleanup stops everything then).
    await new Promise<void>(() => undefined);
  },
  process.env.GRIDCORE_DEMO_STOP_DOCKERD === '1',
);
