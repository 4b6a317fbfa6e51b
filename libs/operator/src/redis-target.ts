import Redis from 'ioredis';
import { redisTlsOptions } from '@gridcore/queue/redis-tls';
import { tlsProblem } from '@gridcore/contracts';
import { OperatorError } from './operator-error';

/** Where a task's queue lives, as gridctl resolved it. */
export interface RedisTarget {
  /** The URL to connect with (holds the password: never print it). */
  url: string;
  /** `host:port/db`, for messages. */
  where: string;
  /** The task's `redis_tls_ca`: trusted beside the system CAs for a rediss:// URL. */
  tlsCa?: string | null;
}

export interface RedisSecrets {
  /** `redis_password` of the cluster's credentials. */
  password?: string | null;
  /** `redis_url` of the cluster's profile (may hold a password). */
  profileUrl?: string | null;
  /** The cluster's name, for messages. */
  cluster?: string;
}

interface Server {
  host: string;
  port: number;
  db: number;
  username: string;
  password: string;
  protocol: string;
}

function parse(url: string, what: string): Server {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OperatorError(`${what} is not a Redis URL: ${url.replace(/\/\/[^@/]*@/, '//****@')}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new OperatorError(`${what} is not a redis:// URL`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  let host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') host = '127.0.0.1';
  return {
    host,
    port: u.port ? Number(u.port) : 6379,
    db: Number.isInteger(db) ? db : 0,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    protocol: u.protocol,
  };
}

function describe(s: Server): string {
  return `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/${s.db}`;
}

/**
 * The Redis of a task's queue: host, port, db (and user) from the task's own URL as the hub
 * shows it (password masked), the password from the credentials, or from the profile's
 * `redis_url` when that names the same server. A task whose URL shows a password we do not
 * have, or a profile URL for another server and no stored password, is an error: gridctl never
 * pushes to a Redis the task does not use.
 */
export function resolveTaskRedis(taskUrl: string | null | undefined, taskName: string, secrets: RedisSecrets = {}): RedisTarget {
  if (!taskUrl) {
    throw new OperatorError(`task ${taskName} has no input_redis (its image hard-codes its queue): gridctl cannot reach its queue`);
  }
  const task = parse(taskUrl, `task ${taskName}'s Redis URL`);
  const cluster = secrets.cluster ?? 'default';
  const needsPassword = task.password !== '';
  let password = '';
  if (needsPassword) {
    const profile = secrets.profileUrl ? parse(secrets.profileUrl, `redis_url of cluster ${cluster}`) : null;
    const sameServer = !!profile && profile.host === task.host && profile.port === task.port;
    if (secrets.password) password = secrets.password;
    else if (sameServer && profile.password) password = profile.password;
    else if (profile && !sameServer) {
      throw new OperatorError(
        `task ${taskName} uses Redis ${describe(task)} but cluster ${cluster}'s redis_url names ${describe(profile)}; ` +
          `set redis_password for it in credentials.toml (gridctl never pushes to another Redis)`,
      );
    } else {
      throw new OperatorError(`task ${taskName}'s Redis ${describe(task)} wants a password: set redis_password for cluster ${cluster} in credentials.toml`);
    }
  }
  const auth = task.username || password ? `${encodeURIComponent(task.username)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  const host = task.host.includes(':') ? `[${task.host}]` : task.host;
  return { url: `${task.protocol}//${auth}${host}:${task.port}/${task.db}`, where: describe(task) };
}

/**
 * Connects to a task's Redis once, without reconnecting or resending (a CLI fails fast), and
 * turns the usual failures into one line: NOAUTH / WRONGPASS (the password), refused or
 * unreachable (the server).
 */
export async function connectTaskRedis(target: RedisTarget, options: { timeoutMs?: number; name?: string } = {}): Promise<Redis> {
  let lastError: (Error & { code?: string }) | null = null;
  const client = new Redis(target.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    connectTimeout: options.timeoutMs ?? 5_000,
    connectionName: options.name ?? 'gridctl',
    retryStrategy: () => null,
    ...redisTlsOptions(target.url, target.tlsCa),
  });
  client.on('error', (err: Error & { code?: string }) => {
    lastError = err;
  });
  try {
    await client.connect();
    // A server with requirepass lets the connection up but refuses commands (NOAUTH).
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw redisError(target, lastError ?? (err as Error));
  }
  return client;
}

/** One line for a Redis failure, naming what to check (`passwordSource`: where the password comes from). */
export function redisError(target: RedisTarget, err: Error & { code?: string }, passwordSource = 'redis_password in credentials.toml'): OperatorError {
  const message = err?.message ?? String(err);
  if (/NOAUTH/.test(message)) {
    return new OperatorError(`Redis ${target.where} wants a password (NOAUTH): set ${passwordSource}`);
  }
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) {
    return new OperatorError(`Redis ${target.where} refused the password (WRONGPASS): check ${passwordSource}`);
  }
  const problem = tlsProblem(err?.code, target.where.replace(/:\d+\/\d+$/, '').replace(/^\[|\]$/g, ''));
  if (problem) {
    return new OperatorError(`Redis ${target.where} ${problem.replace(/^presented/, 'presents')}: set the task's redis_tls_ca to the CA that signed it`);
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|Connection is closed|connect/i.test(`${err?.code ?? ''} ${message}`)) {
    return new OperatorError(`cannot reach Redis at ${target.where} (is it running? ${err?.code ?? message.split('\n')[0]})`);
  }
  return new OperatorError(`Redis ${target.where}: ${message.split('\n')[0]}`);
}
