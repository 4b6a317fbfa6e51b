/**
 * A grid on this machine for `npm run demo` and `npm run dev`: a redis-server, the built hub and
 * one built GridNode agent as processes on loopback (containers with host networking), each in
 * its own process group so Ctrl-C reaches only the script, which then stops them in order.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { HubClient } from '../libs/operator/src';

export const ROOT = resolve(__dirname, '..');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on loopback; `preferred` when it is free. */
export function freePort(preferred = 0): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', (err: NodeJS.ErrnoException) => (preferred && err.code === 'EADDRINUSE' ? freePort().then(res, rej) : rej(err)));
    srv.listen(preferred, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => res(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
}

/** Runs a command from the repository root; `echo` copies its stderr lines, indented. */
export function run(command: string, args: string[], options: { echo?: boolean; timeoutMs?: number } = {}): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
      if (options.echo) for (const line of c.toString().split('\n').filter(Boolean)) console.log(`  ${line}`);
    });
    child.on('error', () => res({ code: -1, out }));
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, out });
    });
  });
}

function alive(child?: ChildProcess): child is ChildProcess {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
async function stopProcess(child: ChildProcess | undefined, graceMs: number): Promise<boolean> {
  if (!alive(child)) return false;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => alive(child) && child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
  return true;
}

export interface LocalGridOptions {
  /** Logs, hub state and node state live here. */
  dir: string;
  /** Removed when the grid stops (the demo's temporary folder); kept for `npm run dev`. */
  removeDir: boolean;
  token: string;
  parallelism: number;
  redisPort?: number;
  hubPort?: number;
  /** The hub's in-process data gateway (gateway_bind on loopback); a free one when taken. */
  gatewayPort?: number;
  /** Prefix of every line it prints. */
  say: (line: string) => void;
}

export class LocalGrid {
  redisUrl = '';
  /** The hub's data gateway, as volunteer nodes' containers reach it. */
  gatewayUrl = '';
  hub!: HubClient;
  nodeId = '';
  private redis?: ChildProcess;
  private hubProcess?: ChildProcess;
  private agent?: ChildProcess;
  private readonly clients: Redis[] = [];
  private stopping?: Promise<void>;
  /** Keep the folder (its logs) when stopping, e.g. after a failure. */
  keepDir = false;

  constructor(private readonly options: LocalGridOptions) {
    mkdirSync(options.dir, { recursive: true });
  }

  get dir(): string {
    return this.options.dir;
  }

  private start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const log = openSync(join(this.options.dir, `${name}.log`), 'a');
    const child = spawn(command, args, { cwd: this.options.dir, env, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    child.on('error', (err) => console.error(`${name} could not start: ${err.message}`));
    return child;
  }

  static checkBuilt(): void {
    for (const app of ['computehub', 'gridnode']) {
      if (!existsSync(join(ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js'))) {
        throw new Error(`dist/apps/${app} is missing: run npm run build`);
      }
    }
  }

  async startRedis(): Promise<string> {
    const port = await freePort(this.options.redisPort);
    const child = (this.redis = this.start('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.options.dir], process.env));
    const url = `redis://127.0.0.1:${port}`;
    await waitFor(async () => {
      if (!alive(child)) throw new Error(`redis-server exited (see ${this.options.dir}/redis.log)`);
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 15_000, 'redis-server');
    this.redisUrl = url;
    this.options.say(`redis-server on 127.0.0.1:${port} (pid ${child.pid})`);
    return url;
  }

  async startHub(env: Record<string, string> = {}): Promise<HubClient> {
    const port = await freePort(this.options.hubPort);
    const gatewayPort = await freePort(this.options.gatewayPort ?? 6390);
    const entry = join(ROOT, 'dist', 'apps', 'computehub', 'apps', 'computehub', 'src', 'main.js');
    const child = (this.hubProcess = this.start('hub', process.execPath, [entry], {
      PATH: process.env.PATH,
      HOME: this.options.dir,
      COMPUTEHUB_TOKEN: this.options.token,
      COMPUTEHUB_BIND: `127.0.0.1:${port}`,
      COMPUTEHUB_STATE_DIR: join(this.options.dir, 'hub'),
      // Volunteer nodes' gateway tasks go through it; the local node (legacy token) stays direct.
      COMPUTEHUB_GATEWAY_BIND: `127.0.0.1:${gatewayPort}`,
      NO_COLOR: '1',
      ...env,
    }));
    this.gatewayUrl = `redis://127.0.0.1:${gatewayPort}`;
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      if (!alive(child)) throw new Error(`the hub exited (see ${this.options.dir}/hub.log)`);
      return (await fetch(`${url}/health`)).ok;
    }, 60_000, 'the hub');
    this.hub = new HubClient(url, this.options.token);
    this.options.say(`hub on ${url} (pid ${child.pid}), data gateway on ${this.gatewayUrl}`);
    return this.hub;
  }

  async startNode(env: Record<string, string> = {}): Promise<string> {
    const entry = join(ROOT, 'dist', 'apps', 'gridnode', 'apps', 'gridnode', 'src', 'main.js');
    const child = (this.agent = this.start('gridnode', process.execPath, [entry], {
      PATH: process.env.PATH,
      HOME: this.options.dir,
      GRIDNODE_SERVER_URL: this.hub.baseUrl,
      GRIDNODE_TOKEN: this.options.token,
      GRIDNODE_STATE_DIR: join(this.options.dir, 'node'),
      GRIDNODE_PARALLELISM: String(this.options.parallelism),
      GRIDNODE_NETWORK_MODE: 'host',
      NO_COLOR: '1',
      ...env,
    }));
    const stateFile = join(this.options.dir, 'node', 'node_id');
    this.nodeId = await waitFor(async () => {
      if (!alive(child)) throw new Error(`the GridNode agent exited (see ${this.options.dir}/gridnode.log)`);
      const id = existsSync(stateFile) ? readFileSync(stateFile, 'utf8').trim() : '';
      return id && (await this.hub.nodes()).some((n) => n.id === id && n.status !== 'Offline') ? id : null;
    }, 60_000, 'the GridNode agent to register', 200);
    this.options.say(`GridNode ${this.nodeId} with parallelism ${this.options.parallelism} (pid ${child.pid})`);
    return this.nodeId;
  }

  /** A Redis client closed when the grid stops. */
  async client(): Promise<Redis> {
    const client = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    client.on('error', () => undefined); // reported where a command fails
    this.clients.push(client);
    await client.connect();
    return client;
  }

  /**
   * Stops, in order, everything it started: the node (it stops its containers and hands their
   * batches back), any container still labelled with the node's id, the hub, Redis (its keys go
   * with it), and the Docker engine when `stopDockerd` says the caller started it.
   */
  stop(stopDockerd = false): Promise<void> {
    this.stopping ??= (async () => {
      const stopped: string[] = [];
      for (const c of this.clients) c.disconnect();
      if (await stopProcess(this.agent, 30_000)) stopped.push('the node');
      if (this.nodeId) {
        const listed = await run('docker', ['ps', '-aq', '--filter', `label=gridcore.node=${this.nodeId}`]);
        const ids = listed.out.split(/\s+/).filter(Boolean);
        if (ids.length) await run('docker', ['rm', '-f', ...ids]);
        stopped.push(`${ids.length} leftover container(s)`);
      }
      if (await stopProcess(this.hubProcess, 10_000)) stopped.push('the hub');
      if (await stopProcess(this.redis, 10_000)) stopped.push('redis-server (its keys with it)');
      if (stopDockerd && (await stopDockerEngine())) stopped.push('the Docker engine');
      if (this.options.removeDir && !this.keepDir) rmSync(this.options.dir, { recursive: true, force: true });
      this.options.say(`stopped ${stopped.join(', ') || 'nothing'}${this.keepDir ? `; logs kept in ${this.options.dir}` : ''}`);
    })();
    return this.stopping;
  }
}

/** Stops the dockerd named by /var/run/docker.pid (only ever called when this script started it). */
async function stopDockerEngine(): Promise<boolean> {
  if (!existsSync('/var/run/docker.pid')) return false;
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
  if (!(pid > 0)) return false;
  const running = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!running()) return false;
  process.kill(pid, 'SIGTERM');
  await waitFor(async () => !running(), 30_000, 'dockerd to stop', 200).catch(() => undefined);
  return true;
}

/** Runs `body`, stopping the grid at the end, on failure (logs kept) and on Ctrl-C / SIGTERM (exit 130). */
export function runWithCleanup(grid: LocalGrid, body: () => Promise<void>, stopDockerd: boolean): void {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.log(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping what was started`);
      void grid.stop(stopDockerd).then(() => process.exit(130));
    });
  }
  body().then(
    async () => {
      if (interrupted) return;
      await grid.stop(stopDockerd);
      process.exit(0);
    },
    async (err: Error) => {
      if (interrupted) return;
      console.error(`failed: ${err.message}`);
      grid.keepDir = true;
      await grid.stop(stopDockerd);
      process.exit(1);
    },
  );
}
