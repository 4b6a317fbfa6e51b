import { HubClient } from './hub-client';
import { HubAnswerError } from './hub-errors';
import { OperatorError } from './operator-error';
import { connectTaskRedis, RedisTarget } from './redis-target';

export interface ClusterToCheck {
  hubUrl: string;
  token?: string;
  /** The Redis URL without its password, as the profile keeps it. */
  redisUrl?: string;
  redisPassword?: string;
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
  const hub = new HubClient(cluster.hubUrl, cluster.token ?? '', { timeoutMs });
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
  let redis: string | null = null;
  if (cluster.redisUrl) {
    const target = redisTarget(cluster.redisUrl, cluster.redisPassword);
    const client = await connectTaskRedis(target, { timeoutMs, passwordSource: 'the password in --redis or --redis-password' });
    client.disconnect();
    redis = target.where;
  }
  return { roles, redis };
}

function redisTarget(url: string, password: string | undefined): RedisTarget {
  const u = new URL(url);
  if (password) u.password = encodeURIComponent(password);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const db = u.pathname && u.pathname !== '/' ? u.pathname.slice(1) : '0';
  return { url: u.toString(), where: `${host.includes(':') ? `[${host}]` : host}:${u.port || 6379}/${db}` };
}
