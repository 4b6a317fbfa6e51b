import Redis from 'ioredis';
import { loadScripts, safeRedisOptions } from '@gridcore/queue';
import { AclChange, RedisAcl, RedisAclFailure } from './redis-acl';
import { rulesWithoutUnknownOptional } from '../queues/scoped-user-spec';

const TIMEOUT_MS = 5000;

/** `url` pointing at another host and port, user, password, scheme and db kept. */
function atServer(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host.includes(':') ? `[${host}]` : host;
  u.port = String(port);
  return u.toString();
}

function failure(err: unknown, where: string): RedisAclFailure {
  const message = (err as Error).message?.split('\n')[0] ?? String(err);
  if (message.startsWith('NOPERM')) {
    return new RedisAclFailure('no_permission', `the operator's Redis user may not manage ACL users or load scripts on ${where}: ${message}`);
  }
  return new RedisAclFailure('unreachable', `Redis ${where} did not answer: ${message}`);
}

/** INFO replication fields. */
function fields(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return out;
}

/** ACL SETUSER, leaving out optional commands this server does not know. */
export async function setUser(client: Redis, name: string, rules: string[]): Promise<void> {
  for (let left = rules; ; ) {
    try {
      await client.call('ACL', 'SETUSER', name, ...left);
      return;
    } catch (err) {
      const fewer = rulesWithoutUnknownOptional(left, (err as Error).message);
      if (!fewer || fewer.length === left.length) throw err;
      left = fewer;
    }
  }
}

/** {@link RedisAcl} on ioredis: one short connection per call, closed after it, every call under a timeout. */
export class IoredisAcl extends RedisAcl {
  /** Replicas seen before, per URL: one reconnecting after its primary restarted is missing from INFO for a while. */
  private readonly seen = new Map<string, Set<string>>();

  private async withConnection<T>(url: string, work: (client: Redis) => Promise<T>): Promise<T> {
    const u = new URL(url);
    const where = `${u.hostname}:${u.port || 6379}`;
    const client = new Redis(url, { ...safeRedisOptions('gridcore-hub-acl'), retryStrategy: () => null, connectTimeout: TIMEOUT_MS });
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)));
      return await Promise.race([client.connect().then(() => work(client)), timeout]);
    } catch (err) {
      throw failure(err, where);
    } finally {
      clearTimeout(timer);
      client.disconnect();
    }
  }

  serversOf(url: string): Promise<string[]> {
    return this.withConnection(url, async (client) => {
      const info = fields(String(await client.info('replication')));
      const servers = [url];
      if (info.get('role') === 'slave' && info.get('master_host')) servers.push(atServer(url, info.get('master_host')!, Number(info.get('master_port'))));
      for (const [key, value] of info) {
        if (!/^slave\d+$/.test(key)) continue;
        const parts = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
        if (parts.get('ip') && parts.get('port')) servers.push(atServer(url, parts.get('ip')!, Number(parts.get('port'))));
      }
      const seen = this.seen.get(url) ?? new Set<string>();
      for (const server of servers.slice(1)) seen.add(server);
      this.seen.set(url, seen);
      return [...new Set([...servers, ...seen])];
    });
  }

  apply(serverUrl: string, change: AclChange): Promise<void> {
    return this.withConnection(serverUrl, async (client) => {
      if (change.loadScripts) {
        for (const script of loadScripts().values()) await client.script('LOAD', script.source);
      }
      for (const user of change.setUsers ?? []) await setUser(client, user.name, user.rules);
      if (change.deleteUsers?.length) await client.call('ACL', 'DELUSER', ...change.deleteUsers);
    });
  }

  usersWithPrefix(serverUrl: string, prefix: string): Promise<{ name: string; hashes: string[] }[]> {
    return this.withConnection(serverUrl, async (client) => {
      const names = ((await client.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith(prefix));
      const found: { name: string; hashes: string[] }[] = [];
      for (const name of names) {
        const reply = (await client.call('ACL', 'GETUSER', name)) as unknown[] | null;
        if (!reply) continue;
        const at = reply.indexOf('passwords');
        found.push({ name, hashes: at >= 0 ? (reply[at + 1] as string[]) : [] });
      }
      return found;
    });
  }
}
