import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { RedisOptions } from 'ioredis';
import { freePort, waitFor } from './ports';

export interface RedisServerOptions {
  port?: number;
  /** Keep data on disk (AOF) in `dir`, for tests that restart the server. */
  appendonly?: boolean;
  dir?: string;
  password?: string;
  extraArgs?: string[];
}

export interface RunningRedis {
  port: number;
  url: string;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a real redis-server on a free loopback port. There is no fallback: a machine without
 * redis-server fails the test (scripts/ensure-system.sh installs it).
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const which = spawnSync('sh', ['-c', 'command -v redis-server']);
  if (which.status !== 0) {
    throw new Error('redis-server is not installed: run scripts/ensure-system.sh (npm test does)');
  }
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'gridcore-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push('--appendonly', options.appendonly ? 'yes' : 'no');
  if (options.password) args.push('--requirepass', options.password);
  args.push(...(options.extraArgs ?? []));
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return spawnRedisServer(args, { port, dir, url: `redis://${auth}127.0.0.1:${port}`, what: `redis-server on port ${port}` });
}

/**
 * Spawns redis-server with `args` and waits until `at.url` answers PING (with `clientOptions`,
 * e.g. the CA of a TLS server); a server that exits meanwhile fails at once.
 */
export async function spawnRedisServer(
  args: string[],
  at: { port: number; dir: string; url: string; what: string },
  clientOptions: RedisOptions = {},
): Promise<RunningRedis> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${at.what} exited ${child.exitCode}`);
      const client = new Redis(at.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...clientOptions });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    },
    10_000,
    at.what,
  );
  return {
    port: at.port,
    url: at.url,
    dir: at.dir,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
