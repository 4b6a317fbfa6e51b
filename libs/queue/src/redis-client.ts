import Redis, { Cluster, RedisOptions } from 'ioredis';
import { redisTlsOptions } from './redis-tls';

/** A standalone connection or a cluster client; every queue operation accepts either. */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** CLIENT SETNAME, for CLIENT LIST and for tests. */
  name?: string;
  /** Where the one-line connection messages go (default: stderr). */
  log?: (line: string) => void;
  /** Use a cluster client even if detection would not (tests). */
  cluster?: boolean;
  /** A CA (PEM) to trust beside the system CAs for a rediss:// URL (a task's `redis_tls_ca`). */
  tlsCa?: string | null;
}

/**
 * Options of every SDK connection: a command is sent once and never again on its own (a lost
 * reply is safe, a repeated take or ack is not), nothing queues while disconnected, and the
 * socket reconnects with a capped backoff.
 */
export function safeRedisOptions(name?: string): RedisOptions {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
}

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

/** Prints one line when a connection drops and one when it is back; never a password. */
export function watchConnection(client: RedisClient, where: string, log: (line: string) => void): void {
  let lost = false;
  const onLost = (why: string) => {
    if (lost) return;
    lost = true;
    log(`gridcore: lost connection to redis ${where} (${why}); reconnecting`);
  };
  client.on('error', (err: Error) => onLost(err.message.split('\n')[0]));
  client.on('close', () => onLost('connection closed'));
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    log(`gridcore: reconnected to redis ${where}`);
  });
}

/**
 * Opens a connection with the safe options, and a cluster client when the server says
 * `cluster_enabled:1` (cluster clients still follow MOVED/ASK redirects).
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<RedisClient> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const where = describe(url);
  const tls = redisTlsOptions(url, options.tlsCa);
  const probe = new Redis(url, { ...safeRedisOptions(options.name), ...tls });
  let lastError: Error | undefined;
  probe.on('error', (err: Error) => (lastError = err));
  let clusterEnabled = options.cluster ?? false;
  try {
    await probe.connect();
    if (!clusterEnabled) {
      const info = String(await probe.info('cluster'));
      clusterEnabled = /cluster_enabled:1/.test(info);
    }
  } catch (err) {
    // Without this the probe would keep reconnecting in the background, owned by nobody.
    probe.disconnect();
    const why = (lastError ?? (err as Error)).message.split('\n')[0];
    throw new Error(`cannot connect to redis ${where}: ${why}`);
  }
  if (!clusterEnabled) {
    probe.removeAllListeners('error');
    watchConnection(probe, where, log);
    return probe;
  }
  const { host, port, username, password } = probe.options;
  probe.disconnect();
  const base = safeRedisOptions(options.name);
  const cluster = new Cluster([{ host, port }], {
    lazyConnect: true,
    enableOfflineQueue: false,
    // ioredis's cluster ready check sends CLUSTER INFO to a node whose connection is still
    // opening; without an offline queue that fails and connect() never settles. We check
    // readiness ourselves below: every master's connection ready, within a bound.
    enableReadyCheck: false,
    clusterRetryStrategy: base.retryStrategy,
    redisOptions: { ...base, ...tls, lazyConnect: false, username, password },
  });
  let clusterError: Error | undefined;
  const onError = (err: Error) => (clusterError = err);
  cluster.on('error', onError);
  try {
    await withTimeout(cluster.connect(), CONNECT_TIMEOUT_MS, 'no cluster slots');
    await withTimeout(
      Promise.all(cluster.nodes('master').map((node) => (node.status === 'ready' ? undefined : new Promise((resolve) => node.once('ready', resolve))))),
      CONNECT_TIMEOUT_MS,
      'cluster masters not ready',
    );
  } catch (err) {
    cluster.disconnect();
    const why = (clusterError ?? (err as Error)).message.split('\n')[0];
    throw new Error(`cannot connect to redis cluster ${where}: ${why}`);
  } finally {
    cluster.off('error', onError);
  }
  watchConnection(cluster, where, log);
  return cluster;
}

const CONNECT_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** True for a cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
