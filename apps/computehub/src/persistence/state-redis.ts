import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** Query parameters Redis clients read a password from (`redis://host/0?password=...`). */
const PASSWORD_PARAMS = ['password', 'pass', 'auth', 'requirepass'];

/** Redis URL with the password replaced, wherever it is written, for answers and messages. */
export function maskRedisUrl(url: string | null | undefined): string | null {
  if (!url) return url ?? null;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    for (const key of [...parsed.searchParams.keys()]) {
      if (PASSWORD_PARAMS.includes(key.toLowerCase())) parsed.searchParams.set(key, '****');
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(unparsable url)';
  }
}

/** A connection for the hub's own state: fails fast instead of queueing while Redis is away. */
export function connectStateRedis(url: string, logger: Logger): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let reported = false;
  client.on('error', (err) => {
    if (!reported) logger.warn(`state Redis ${maskRedisUrl(url)} unreachable: ${err.message}`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) logger.log(`state Redis ${maskRedisUrl(url)} reachable again`);
    reported = false;
  });
  return client;
}
