import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { HubConfig } from '../config/hub-config';
import { maskRedisUrl } from '../redaction/redis-urls';
import { connectStateRedis } from './state-redis';

const CONNECT_TIMEOUT_MS = 5_000;

/** Key prefix of the hub's own state in Redis (`state_store = "redis"`). */
export const STATE_KEY_PREFIX = 'gridcore:hub:';

/** The hub's state connection, opened only when the Redis store is configured. */
@Injectable()
export class StateRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('StateRedis');
  private connection: Redis | null = null;

  constructor(private readonly config: HubConfig) {}

  get client(): Redis {
    if (!this.connection) {
      const url = this.config.values.state_redis_url;
      if (!url) throw new Error('state_redis_url is not configured');
      this.connection = connectStateRedis(url, this.logger);
    }
    return this.connection;
  }

  /** Resolves once the connection is ready; fails with a message naming the (masked) URL. */
  async connected(): Promise<Redis> {
    const client = this.client;
    if (client.status === 'ready') return client;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error('no answer')), CONNECT_TIMEOUT_MS);
      const onError = (err: Error) => finish(err);
      const onReady = () => finish();
      const finish = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        if (!err) return resolve();
        // Stop retrying in the background: the caller gives up here.
        client.disconnect();
        this.connection = null;
        reject(new Error(`state Redis ${maskRedisUrl(this.config.values.state_redis_url)} unreachable: ${err.message}`));
      };
      client.once('ready', onReady);
      client.once('error', onError);
    });
    return client;
  }

  onApplicationShutdown(): void {
    this.connection?.disconnect();
  }
}
