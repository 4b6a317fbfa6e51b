import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { maskRedisUrl } from '../redaction/redis-urls';

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
