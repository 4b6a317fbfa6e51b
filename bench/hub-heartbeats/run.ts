/**
 * bench/hub-heartbeats (issue 4, point 12): the hub under the heartbeats of 10,000 simulated
 * nodes, beside a minimal Nest app and a bare `http` server measured in the same run.
 *
 *   npm run bench:hub-heartbeats [-- --runs 3 --warmup 3 --duration 10 --connections 50
 *                                   --nodes 10000 --skip-build --profile --profile-server hub
 *                                   --per-node-tokens (the default) | --shared-token]
 * By default every node registers with a join token and beats on its own node credential
 * (issue 16); --shared-token measures the original's one legacy token instead.
 *
 * Each server is its own process, started once. The hub gets every node registered first; then,
 * round after round (the order rotating), each server takes a warm-up and a measured load from a
 * load-generator process. The last line printed is one JSON object with the medians.
 * With --profile, only the hub (or --profile-server) runs, under `node --cpu-prof`, and the
 * measured window of its profile is summarised.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NODE_COUNT } from './bodies';
import type { LoadJob, LoadResult, RegisterJob } from './loadgen';
import {
  compile,
  compiled,
  installCleanup,
  JobEvent,
  killAll,
  readCpuMs,
  readRss,
  REPO_ROOT,
  runCommand,
  runJob,
  Server,
  startServer,
  stop,
  tail,
  waitReady,
} from './processes';
import { summarizeProfile } from './summarize-profile';

const TARGET_RATIO = 0.8;
const HUB_MAIN = join(REPO_ROOT, 'dist/apps/computehub/apps/computehub/src/main.js');
const START_TIMEOUT_MS = 90_000;
const REGISTER_TIMEOUT_S = 300;
/** Room for the load generator's own start-up and preflight, beyond warm-up + load. */
const LOAD_SLACK_MS = 90_000;

type ServerName = 'hub' | 'nest_minimal' | 'bare_http';
const SERVER_NAMES: readonly ServerName[] = ['hub', 'nest_minimal', 'bare_http'];

interface Options {
  runs: number;
  warmupS: number;
  durationS: number;
  connections: number;
  nodes: number;
  build: boolean;
  /** The server to run alone under the profiler, or null for the benchmark. */
  profile: ServerName | null;
  /** Each node on its own credential (registered with a join token), not the shared legacy token. */
  perNodeTokens: boolean;
}

/** What the per-node-token mode adds: the join token the hub knows (node_tokens) and where the node tokens go. */
interface Credentials {
  token: string;
  joinToken: string | null;
  tokensFile: string | null;
}

interface Measured extends LoadResult {
  rss_mb: number;
  hwm_mb: number;
  /** The server's CPU time per answered request over the measured load: steadier than the rate on a shared machine. */
  cpu_us_per_req: number;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      nodes: { type: 'string', default: String(NODE_COUNT) },
      'skip-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'profile-server': { type: 'string', default: 'hub' },
      // The default: every node registers with a join token and beats on its own node credential.
      'per-node-tokens': { type: 'boolean', default: true },
      // The original's way instead: one shared legacy token for every node.
      'shared-token': { type: 'boolean', default: false },
    },
  });
  const profiled = values['profile-server'] as ServerName;
  if (!SERVER_NAMES.includes(profiled)) throw new Error(`--profile-server must be one of ${SERVER_NAMES.join(', ')}`);
  const int = (name: string, value: string, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return n;
  };
  return {
    runs: int('runs', values.runs, 1, 15),
    warmupS: int('warmup', values.warmup, 0, 60),
    durationS: int('duration', values.duration, 1, 120),
    connections: int('connections', values.connections, 1, 1000),
    nodes: int('nodes', values.nodes, 1, 100_000),
    build: !values['skip-build'],
    profile: values.profile ? profiled : null,
    perNodeTokens: values['per-node-tokens'] && !values['shared-token'],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

async function startServers(names: readonly ServerName[], work: string, creds: Credentials, nodeArgs: string[] = []) {
  const token = creds.token;
  const servers = {} as Record<ServerName, Server>;
  for (const name of names) {
    const port = await freePort();
    const logFile = join(work, `${name}.log`);
    if (name === 'hub') {
      servers.hub = startServer(
        name,
        { script: HUB_MAIN, nodeArgs },
        port,
        {
          COMPUTEHUB_TOKEN: token,
          ...(creds.joinToken ? { COMPUTEHUB_NODE_TOKENS: creds.joinToken, COMPUTEHUB_JOIN_RATE_PER_S: '1000000' } : {}),
          COMPUTEHUB_BIND: `127.0.0.1:${port}`,
          COMPUTEHUB_STATE_DIR: join(work, 'hub-state'),
          // No user config file can be found (or written) under a HOME of our own.
          HOME: join(work, 'home'),
        },
        logFile,
      );
    } else {
      const script = compiled(name === 'nest_minimal' ? 'nest-minimal.ts' : 'bare-http.ts');
      servers[name] = startServer(name, { script, nodeArgs, args: [String(port)] }, port, {}, logFile);
    }
  }
  await Promise.all(names.map((name) => waitReady(servers[name], START_TIMEOUT_MS)));
  return servers;
}

async function registerNodes(hub: Server, creds: Credentials, count: number): Promise<void> {
  log(`registering ${count} nodes with the hub${creds.joinToken ? ' with a join token, each getting its own node credential' : ''} ...`);
  const job: RegisterJob = {
    mode: 'register',
    url: `http://127.0.0.1:${hub.port}`,
    token: creds.joinToken ?? creds.token,
    ...(creds.tokensFile ? { tokensFile: creds.tokensFile } : {}),
    count,
    concurrency: 64,
    timeoutS: REGISTER_TIMEOUT_S,
  };
  const done = await runJob(compiled('loadgen.ts'), job, REGISTER_TIMEOUT_S * 1000 + LOAD_SLACK_MS);
  log(`registered ${count} nodes in ${Number(done.seconds).toFixed(1)} s`);
}

/** One warm-up and one measured load on one server; the server's RSS is read as the load ends. */
async function measure(
  server: Server,
  creds: Credentials,
  opts: Options,
  onEvent: (event: JobEvent) => void = () => undefined,
): Promise<Measured> {
  const job: LoadJob = {
    mode: 'load',
    url: `http://127.0.0.1:${server.port}`,
    token: creds.token,
    // The baselines get the same per-node headers (they check none), so every server reads the same bytes.
    ...(creds.tokensFile ? { tokensFile: creds.tokensFile } : {}),
    nodes: opts.nodes,
    connections: opts.connections,
    warmupS: opts.warmupS,
    durationS: opts.durationS,
    validates: server.name !== 'bare_http',
  };
  let memory: { rssMb: number; hwmMb: number } | null = null;
  let cpuStart = NaN;
  let cpuEnd = NaN;
  const pid = server.child.pid!;
  const timeout = (opts.warmupS + opts.durationS) * 1000 + LOAD_SLACK_MS;
  const last = await runJob(compiled('loadgen.ts'), job, timeout, async (event) => {
    onEvent(event);
    if (event.event === 'measure-start') cpuStart = await readCpuMs(pid);
    if (event.event === 'load-done') [memory, cpuEnd] = await Promise.all([readRss(pid), readCpuMs(pid)]);
  }).catch(async (err: Error) => {
    throw new Error(`${server.name}: ${err.message}\n${server.name} log:\n${await tail(server.logFile)}`);
  });
  const result = last as unknown as LoadResult;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${server.name}: the load was not clean (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}, ` +
        `status codes ${JSON.stringify(result.status_codes)}):\n${await tail(server.logFile)}`,
    );
  }
  const mem = memory as { rssMb: number; hwmMb: number } | null;
  if (!mem) throw new Error(`${server.name}: the load generator never reported the end of the load`);
  return { ...result, rss_mb: mem.rssMb, hwm_mb: mem.hwmMb, cpu_us_per_req: ((cpuEnd - cpuStart) * 1000) / result.ok };
}

function report(opts: Options, results: Record<ServerName, Measured[]>): void {
  const med = (name: ServerName, key: 'per_s' | 'p99_ms' | 'p50_ms' | 'cpu_us_per_req') => median(results[name].map((r) => r[key]));
  const hub = med('hub', 'per_s');
  const nest = med('nest_minimal', 'per_s');
  const bare = med('bare_http', 'per_s');
  // Paired per round: the servers of one round saw the same background load.
  const paired = median(results.hub.map((r, i) => r.per_s / results.nest_minimal[i].per_s));
  const hubRss = Math.max(...results.hub.map((r) => r.rss_mb));

  const runCols = Array.from({ length: opts.runs }, (_, i) => `run ${i + 1}/s`.padStart(10)).join('');
  const lines = [
    '',
    `hub-heartbeats: ${opts.nodes} nodes ${opts.perNodeTokens ? 'each on its own node credential' : 'on one shared legacy token'}, full §2.6 bodies, ${opts.connections} connections, ` +
      `${opts.warmupS} s warm-up + ${opts.durationS} s, median of ${opts.runs}, loopback, ${availableParallelism()} CPUs`,
    '',
    `${'server'.padEnd(14)}${runCols}${'median/s'.padStart(11)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}` +
      `${'RSS MiB'.padStart(9)}${'CPU µs/req'.padStart(12)}`,
    ...SERVER_NAMES.map((name) => {
      const runs = results[name].map((r) => round(r.per_s).toString().padStart(10)).join('');
      const rss = Math.max(...results[name].map((r) => r.rss_mb));
      return (
        `${name.padEnd(14)}${runs}${round(med(name, 'per_s')).toString().padStart(11)}` +
        `${med(name, 'p50_ms').toString().padStart(8)}${med(name, 'p99_ms').toString().padStart(8)}${rss.toFixed(1).padStart(9)}` +
        `${round(med(name, 'cpu_us_per_req')).toString().padStart(12)}`
      );
    }),
    '',
    `hub / nest_minimal: ${(hub / nest).toFixed(3)} (paired by round: ${paired.toFixed(3)}; target >= ${TARGET_RATIO}: ` +
      `${hub / nest >= TARGET_RATIO ? 'met' : 'NOT met'})`,
    `hub / bare_http:    ${(hub / bare).toFixed(3)}`,
    `CPU per request, nest_minimal / hub: ${(med('nest_minimal', 'cpu_us_per_req') / med('hub', 'cpu_us_per_req')).toFixed(3)} ` +
      '(the rate ratio the hub would reach with the same CPU share)',
    `hub RSS at the end of the load: ${results.hub.map((r) => r.rss_mb.toFixed(1)).join(', ')} MiB (peak ${Math.max(...results.hub.map((r) => r.hwm_mb)).toFixed(1)} MiB)`,
    `at a 30 s heartbeat interval the median rate serves ~${round((hub * 30) / 1000) * 1000} nodes`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const summary = {
    heartbeats_per_s: round(hub),
    p99_ms: med('hub', 'p99_ms'),
    hub_rss_mb: round(hubRss, 1),
    nest_minimal_per_s: round(nest),
    bare_http_per_s: round(bare),
    ratio_vs_nest_minimal: round(hub / nest, 3),
    ratio_vs_bare_http: round(hub / bare, 3),
    ratio_vs_nest_minimal_paired: round(paired, 3),
    target_ratio: TARGET_RATIO,
    meets_target: hub / nest >= TARGET_RATIO,
    hub_cpu_us_per_req: round(med('hub', 'cpu_us_per_req')),
    nest_minimal_cpu_us_per_req: round(med('nest_minimal', 'cpu_us_per_req')),
    bare_http_cpu_us_per_req: round(med('bare_http', 'cpu_us_per_req')),
    nest_minimal_p99_ms: med('nest_minimal', 'p99_ms'),
    bare_http_p99_ms: med('bare_http', 'p99_ms'),
    runs_per_s: Object.fromEntries(SERVER_NAMES.map((n) => [n, results[n].map((r) => round(r.per_s))])),
    nodes: opts.nodes,
    per_node_tokens: opts.perNodeTokens,
    connections: opts.connections,
    warmup_s: opts.warmupS,
    duration_s: opts.durationS,
    runs: opts.runs,
    cpus: availableParallelism(),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

async function benchmark(opts: Options, work: string, creds: Credentials): Promise<void> {
  log(`starting ${SERVER_NAMES.join(', ')} (one process each); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const servers = await startServers(SERVER_NAMES, work, creds);
  await registerNodes(servers.hub, creds, opts.nodes);
  const results: Record<ServerName, Measured[]> = { hub: [], nest_minimal: [], bare_http: [] };
  for (let r = 0; r < opts.runs; r++) {
    // Rotating the order spreads any drift of the machine's background load over all servers.
    const order = SERVER_NAMES.map((_, i) => SERVER_NAMES[(i + r) % SERVER_NAMES.length]);
    for (const name of order) {
      const m = await measure(servers[name], creds, opts);
      results[name].push(m);
      log(
        `run ${r + 1}/${opts.runs} ${name.padEnd(12)} ${round(m.per_s)}/s  p99 ${m.p99_ms} ms  RSS ${m.rss_mb.toFixed(1)} MiB` +
          `  CPU ${round(m.cpu_us_per_req)} µs/req` +
          `  (load average ${loadavg()[0].toFixed(2)})`,
      );
    }
  }
  await Promise.all(SERVER_NAMES.map((name) => stop(servers[name].child)));
  report(opts, results);
}

/**
 * One server alone under `node --cpu-prof` (the hub by default; a baseline to compare with), one
 * warm-up and measured load; prints the measured window of the profile. The window is placed by
 * the runner's clock from the spawn, so it may start a few tens of ms late: no matter over 10 s.
 */
async function profile(name: ServerName, opts: Options, work: string, given: Credentials): Promise<void> {
  // Only the hub issues node credentials; a baseline profiled alone gets the shared token.
  const creds = name === 'hub' ? given : { ...given, tokensFile: null };
  const dir = join(work, 'profile');
  const spawnedAt = Date.now();
  const server = (await startServers([name], work, creds, ['--cpu-prof', `--cpu-prof-dir=${dir}`]))[name];
  if (name === 'hub') await registerNodes(server, creds, opts.nodes);
  const window = { fromMs: 0, toMs: 0 };
  const m = await measure(server, creds, opts, (event) => {
    if (event.event === 'measure-start') window.fromMs = Date.now() - spawnedAt;
    if (event.event === 'load-done') window.toMs = Date.now() - spawnedAt;
  });
  log(`${name} under the profiler: ${round(m.per_s)}/s, p99 ${m.p99_ms} ms, RSS ${m.rss_mb.toFixed(1)} MiB`);
  // The profile is written as the process exits on SIGTERM (the Nest apps' shutdown hooks end it).
  await stop(server.child, 30_000);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  process.stdout.write(`${summarizeProfile(join(dir, file), window)}\n`);
  log(`profile kept at ${join(dir, file)}`);
}

async function main(): Promise<void> {
  installCleanup();
  const opts = options();
  if (opts.build) {
    log('building the hub (nest build computehub; --skip-build to use dist/ as it is) ...');
    await runCommand(join(REPO_ROOT, 'node_modules/.bin/nest'), ['build', 'computehub'], 300_000);
  }
  const work = mkdtempSync(join(tmpdir(), 'gridcore-bench-heartbeats-'));
  // A profile is kept for a closer look; everything else goes, also on an interrupt.
  if (!opts.profile) process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const token = randomBytes(32).toString('hex');
  try {
    log('compiling the load generator and the baselines ...');
    await compile(work, ['loadgen.ts', 'nest-minimal.ts', 'bare-http.ts']);
    const creds: Credentials = opts.perNodeTokens
      ? { token, joinToken: `bench-join-${randomBytes(24).toString('hex')}`, tokensFile: join(work, 'node-tokens.json') }
      : { token, joinToken: null, tokensFile: null };
    if (opts.profile) await profile(opts.profile, opts, work, creds);
    else await benchmark(opts, work, creds);
  } finally {
    killAll();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    killAll();
    console.error(`bench/hub-heartbeats: ${err.message}`);
    process.exit(1);
  },
);
