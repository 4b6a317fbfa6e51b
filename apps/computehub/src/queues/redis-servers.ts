import { Injectable } from '@nestjs/common';
import { RedisServerIdentity, redisServerIdentity, resolveRedisServer } from '@gridcore/queue';

/** Host names are looked up again after this long (a server may move). */
const TTL_MS = 60_000;

/**
 * Which Redis server each task URL reaches, host names resolved, so checks across tasks compare
 * servers rather than URL strings. Resolution is async and done ahead of a state change; inside
 * it, `identify` answers from what was resolved (or, for a URL never resolved, without DNS).
 */
@Injectable()
export class RedisServers {
  private readonly known = new Map<string, { identity: RedisServerIdentity; atMs: number }>();

  async resolveAll(urls: Iterable<string>): Promise<void> {
    const now = Date.now();
    const stale = [...new Set(urls)].filter((url) => {
      const hit = this.known.get(url);
      return !hit || now - hit.atMs > TTL_MS;
    });
    await Promise.all(
      stale.map(async (url) => {
        try {
          this.known.set(url, { identity: await resolveRedisServer(url), atMs: now });
        } catch {
          // Not a URL we can parse (a record from an older hub): `identify` says so below.
        }
      }),
    );
  }

  /** The identity resolved for `url`, else one built without DNS; null for an unparsable URL. */
  identify(url: string): RedisServerIdentity | null {
    const hit = this.known.get(url);
    if (hit) return hit.identity;
    try {
      return redisServerIdentity(url);
    } catch {
      return null;
    }
  }
}
