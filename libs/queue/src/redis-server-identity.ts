import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseRedisUrl } from './delivery-mode';

/**
 * Which Redis server and database a URL reaches, for telling whether two tasks' keys can meet:
 * the addresses its host resolves to (every loopback address counted as one, since a server
 * bound to 127.0.0.1 and ::1 is reached by either), the port (default 6379), the db (default 0)
 * and the user (default `default`). The scheme does not count: rediss:// is the same server.
 */
export interface RedisServerIdentity {
  addresses: readonly string[];
  port: number;
  db: number;
  user: string;
}

/** Every loopback address and name stands for this one host. */
export const LOOPBACK_HOST = 'loopback';

/** 127.0.0.0/8, ::1 (also IPv4-mapped), and the names that mean this machine (RFC 6761). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  // An IPv4-mapped address, as written (::ffff:127.0.0.1) or as URL parsing leaves it (::ffff:7f00:1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(h);
  if (mapped) return parseInt(mapped[1], 16) >> 8 === 127;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function normalAddress(address: string): string {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return isLoopback(a) ? LOOPBACK_HOST : a;
}

/** The identity of `url` given the addresses its host resolved to (none: the host name itself). */
export function redisServerIdentity(url: string, addresses: readonly string[] = []): RedisServerIdentity {
  const endpoint = parseRedisUrl(url);
  const known = addresses.length > 0 ? addresses : [endpoint.host];
  return {
    addresses: [...new Set(known.map(normalAddress))].sort(),
    port: endpoint.port,
    db: endpoint.db,
    user: endpoint.user,
  };
}

/** Same port, db and user, and a host address in common. */
export function sameRedisServer(a: RedisServerIdentity, b: RedisServerIdentity): boolean {
  return a.port === b.port && a.db === b.db && a.user === b.user && a.addresses.some((x) => b.addresses.includes(x));
}

export type HostLookup = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address of the name. */
export const systemLookup: HostLookup = async (host) => (await lookup(host, { all: true })).map((r) => r.address);

/**
 * Resolves a URL's host and builds its identity. A name that does not resolve within
 * `timeoutMs` is compared by its name alone, so a refused or slow resolver never blocks.
 */
export async function resolveRedisServer(url: string, resolveHost: HostLookup = systemLookup, timeoutMs = 2000): Promise<RedisServerIdentity> {
  const host = parseRedisUrl(url).host;
  if (isIP(host) || isLoopback(host)) return redisServerIdentity(url);
  let timer: NodeJS.Timeout | undefined;
  try {
    const addresses = await Promise.race([
      resolveHost(host),
      new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs))),
    ]);
    return redisServerIdentity(url, addresses);
  } catch {
    return redisServerIdentity(url);
  } finally {
    clearTimeout(timer);
  }
}
