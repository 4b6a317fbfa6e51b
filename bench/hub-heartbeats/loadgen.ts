/**
 * The load generator, run in its own process by run.ts. One JSON job on argv[2]; it prints JSON
 * lines on stdout, the last one its result, and exits.
 *   register: registers nodes 0..count-1 (full §2.6 register bodies) over keep-alive connections.
 *   load:     checks the server once (a valid heartbeat answers 200 {"stop_requested":false}; an
 *             invalid one 400 where the server validates), then a warm-up and a measured run with
 *             autocannon, every request carrying the next node's heartbeat, round-robin over all ids.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { heartbeatBody, invalidHeartbeatBody, registerBody } from './bodies';

export interface RegisterJob {
  mode: 'register';
  url: string;
  /** A join token when `tokensFile` is set: each node's answered node_token is saved there, in node order. */
  token: string;
  tokensFile?: string;
  count: number;
  concurrency: number;
  timeoutS: number;
}

export interface LoadJob {
  mode: 'load';
  url: string;
  token: string;
  nodes: number;
  /** Node i's heartbeats carry the i-th token of this JSON file (per-node credentials); else `token` for all. */
  tokensFile?: string;
  connections: number;
  warmupS: number;
  durationS: number;
  /** Whether the server must refuse an unknown field with 400 (the Nest servers do, bare http does not). */
  validates: boolean;
}

export interface RegisterResult {
  event: 'registered';
  count: number;
  seconds: number;
}

export interface LoadResult {
  event: 'result';
  duration_s: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  status_codes: Record<string, number>;
}

/** The slice of autocannon's programmatic API used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p99: number };
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  timeout: number;
  method: string;
  headers: Record<string, string>;
  requests: { setupRequest: (req: AutocannonRequest) => AutocannonRequest }[];
}
type Autocannon = (opts: AutocannonOptions, done: (err: Error | null, result: AutocannonResult) => void) => unknown;
const autocannon = require('autocannon') as Autocannon;

const HEARTBEAT_PATH = '/gridnode/heartbeat';

function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function post(agent: Agent, url: string, token: string, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      {
        method: 'POST',
        agent,
        timeout: 10_000,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function register(job: RegisterJob): Promise<RegisterResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const started = Date.now();
  const deadline = started + job.timeoutS * 1000;
  let next = 0;
  const nodeTokens: string[] = new Array(job.count);
  // Each worker takes the next index until all are done: job.count requests in all.
  const worker = async (): Promise<void> => {
    while (next < job.count) {
      if (Date.now() > deadline) throw new Error(`registration exceeded ${job.timeoutS} s (${next}/${job.count} sent)`);
      const i = next++;
      const res = await post(agent, job.url, job.token, '/gridnode/register', JSON.stringify(registerBody(i)));
      if (res.status !== 200) throw new Error(`register node ${i}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
      if (job.tokensFile) {
        const token = (JSON.parse(res.text) as { node_token?: string }).node_token;
        if (!token) throw new Error(`register node ${i} with a join token answered no node_token`);
        nodeTokens[i] = token;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: job.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  if (job.tokensFile) writeFileSync(job.tokensFile, JSON.stringify(nodeTokens), { mode: 0o600 });
  return { event: 'registered', count: job.count, seconds: (Date.now() - started) / 1000 };
}

/** One valid and (where the server validates) one invalid heartbeat, so a run never measures errors. */
async function preflight(job: LoadJob, tokens: readonly string[] | null): Promise<void> {
  const agent = new Agent({ keepAlive: false });
  try {
    const ok = await post(agent, job.url, tokens?.[0] ?? job.token, HEARTBEAT_PATH, JSON.stringify(heartbeatBody(0)));
    if (ok.status !== 200 || ok.text !== '{"stop_requested":false}') {
      throw new Error(`preflight: a valid heartbeat got HTTP ${ok.status} ${ok.text.slice(0, 300)}`);
    }
    if (job.validates) {
      const bad = await post(agent, job.url, tokens?.[0] ?? job.token, HEARTBEAT_PATH, JSON.stringify(invalidHeartbeatBody()));
      if (bad.status !== 400) throw new Error(`preflight: an unknown field got HTTP ${bad.status}, not 400: validation is off`);
    }
  } finally {
    agent.destroy();
  }
}

function cannon(job: LoadJob, durationS: number, bodies: readonly Buffer[], auth: readonly string[] | null): Promise<AutocannonResult> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: new URL(HEARTBEAT_PATH, job.url).toString(),
        connections: job.connections,
        duration: durationS,
        pipelining: 1,
        timeout: 10,
        method: 'POST',
        headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
        // Every request is the next node's heartbeat: all node ids in turn, across all connections.
        requests: [
          {
            setupRequest: (req) => {
              req.body = bodies[next];
              // Per-node credentials: node i's heartbeat carries node i's own token.
              if (auth) req.headers = { ...req.headers, authorization: auth[next] };
              next = (next + 1) % bodies.length;
              return req;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function load(job: LoadJob): Promise<LoadResult> {
  const bodies = Array.from({ length: job.nodes }, (_, i) => Buffer.from(JSON.stringify(heartbeatBody(i))));
  const tokens = job.tokensFile ? (JSON.parse(readFileSync(job.tokensFile, 'utf8')) as string[]).slice(0, job.nodes) : null;
  if (tokens && tokens.length < job.nodes) throw new Error(`${job.tokensFile} holds ${tokens.length} node tokens, fewer than ${job.nodes} nodes`);
  const auth = tokens ? tokens.map((t) => `Bearer ${t}`) : null;
  await preflight(job, tokens);
  await cannon(job, job.warmupS, bodies, auth);
  emit({ event: 'measure-start' });
  const r = await cannon(job, job.durationS, bodies, auth);
  // The end of the load: run.ts reads the server's RSS now, before anything else happens.
  emit({ event: 'load-done' });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = Number(stat.count);
  return {
    event: 'result',
    duration_s: r.duration,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    per_s: r['2xx'] / r.duration,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    status_codes: statusCodes,
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as RegisterJob | LoadJob;
  if (job.mode === 'register') emit(await register(job));
  else if (job.mode === 'load') emit(await load(job));
  else throw new Error(`unknown job ${JSON.stringify(job)}`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    emit({ event: 'error', message: err.message });
    process.exit(1);
  },
);
