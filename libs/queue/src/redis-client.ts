import Redis, { Cluster, RedisOptions } from 'ioredis';

/** A standalone connection or a cluster client; every queue operation accepts either. */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** CLIENT SETNAME, for CLIENT LIST and for tests. */
  name?: string;
  /** Where the one-line connection messages go (default: stderr). */
  log?: (line: string) => void;
  /** Use a cluster client even if detection would not (tests). */
  cluster?: boolean;
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
  const probe = new Redis(url, safeRedisOptions(options.name));
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
    enableReadyCheck: true,
    clusterRetryStrategy: base.retryStrategy,
    redisOptions: { ...base, lazyConnect: false, username, password },
  });
  try {
    await cluster.connect();
  } catch (err) {
    cluster.disconnect();
    throw new Error(`cannot connect to redis cluster ${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  watchConnection(cluster, where, log);
  return cluster;
}

/** True for a cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
