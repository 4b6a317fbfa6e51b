import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { HubConfig } from '../config/hub-config';
import { connectStateRedis } from './state-redis';

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

  onApplicationShutdown(): void {
    this.connection?.disconnect();
  }
}
