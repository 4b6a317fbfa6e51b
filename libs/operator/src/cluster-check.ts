import Redis from 'ioredis';
import { redisTlsOptions } from '@gridcore/queue/redis-tls';
import { HubClient } from './hub-client';
import { HubAnswerError } from './hub-errors';
import { OperatorError } from './operator-error';
import { redisError, RedisTarget } from './redis-target';

const PASSWORD_SOURCE = 'the password in --redis or --redis-password';

export interface ClusterToCheck {
  hubUrl: string;
  token?: string;
  /** The Redis URL without its password, as the profile keeps it. */
  redisUrl?: string;
  redisPassword?: string;
  /** PEM of a CA trusted beside the system CAs, for an https:// hub and a rediss:// Redis. */
  ca?: string | null;
}

export interface ClusterCheck {
  /** The token's roles, or null when no token was given. */
  roles: string[] | null;
  /** `host:port/db` of the Redis that answered, or null when none was given. */
  redis: string | null;
}

/** A `--hub` value that can be a hub at all: http(s), a host, nothing after the origin but a path. */
export function parseHubUrl(value: string): string {
  const refuse = () => new OperatorError(`--hub must be an http:// or https:// URL such as http://127.0.0.1:8080 (got ${value.replace(/\/\/[^@/]*@/, '//****@')})`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw refuse();
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw refuse();
  if (u.username || u.password) throw new OperatorError('--hub must not hold a user or password: give the token with --token or GRIDCTL_TOKEN');
  return value.replace(/\/+$/, '');
}

/**
 * What `gridctl cluster add` checks before it saves a profile, so a typo surfaces now and not at
 * the first push: the hub answers `/health`, the token is known and may read (`/api/whoami`; a
 * node-only token cannot), and the Redis accepts the connection and the password.
 */
export async function checkCluster(cluster: ClusterToCheck, timeoutMs = 5_000): Promise<ClusterCheck> {
  const hub = new HubClient(cluster.hubUrl, cluster.token ?? '', { timeoutMs, ca: cluster.ca });
  if (!(await hub.healthy())) throw new OperatorError(`${cluster.hubUrl} does not answer /health with OK: is it a ComputeHub?`);
  let roles: string[] | null = null;
  if (cluster.token) {
    try {
      roles = (await hub.whoami()).roles;
    } catch (err) {
      if (err instanceof HubAnswerError && err.status === 401) throw new OperatorError('the hub refused the token: check --token or GRIDCTL_TOKEN');
      if (err instanceof HubAnswerError && err.status === 403) throw new OperatorError('this token is a node token: gridctl needs an admin or viewer token');
      throw err;
    }
  }
  const redis = cluster.redisUrl ? await checkRedis(cluster.redisUrl, cluster.redisPassword, timeoutMs, cluster.ca) : null;
  return { roles, redis };
}

/**
 * Connects without a password, then sends AUTH itself: a client library that is handed a
 * password the server does not want only warns (and would warn on every later push), while the
 * operator should hear now that the password is wrong. Returns `host:port/db`.
 */
async function checkRedis(url: string, password: string | undefined, timeoutMs: number, ca?: string | null): Promise<string> {
  const u = new URL(url);
  const username = decodeURIComponent(u.username);
  u.username = '';
  u.password = '';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const db = u.pathname && u.pathname !== '/' ? u.pathname.slice(1) : '0';
  const target: RedisTarget = { url: u.toString(), where: `${host.includes(':') ? `[${host}]` : host}:${u.port || 6379}/${db}` };
  let lastError: Error | null = null;
  const client = new Redis(target.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    connectTimeout: timeoutMs,
    connectionName: 'gridctl-check',
    retryStrategy: () => null,
    ...redisTlsOptions(target.url, ca),
  });
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
    if (password) {
      try {
        await client.call('AUTH', ...(username ? [username] : []), password);
      } catch (err) {
        if (/without any password configured|no password is set/i.test((err as Error).message)) {
          throw new OperatorError(`Redis ${target.where} wants no password, but one was given: drop ${PASSWORD_SOURCE}`);
        }
        throw err;
      }
    }
    await client.ping();
    return target.where;
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    throw redisError(target, (lastError ?? err) as Error, PASSWORD_SOURCE);
  } finally {
    client.disconnect();
  }
}
