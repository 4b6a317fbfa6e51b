import type { FactoryProvider } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { StateRedis } from './state-redis.provider';
import { StateWriteHealth } from './state-write-health';

type Abstract<T> = abstract new (...args: never[]) => T;

/**
 * Provides a module's store port with its Redis adapter when `state_store = "redis"`, else its
 * file adapter in state_dir: every piece of hub state chooses its medium the same way.
 */
export function stateStoreProvider<T>(
  port: Abstract<T>,
  adapters: {
    redis: (redis: StateRedis, writes: StateWriteHealth) => T;
    file: (config: HubConfig, writes: StateWriteHealth) => T;
  },
): FactoryProvider<T> {
  return {
    provide: port,
    inject: [HubConfig, StateRedis, StateWriteHealth],
    useFactory: (config: HubConfig, redis: StateRedis, writes: StateWriteHealth) =>
      config.values.state_store === 'redis' ? adapters.redis(redis, writes) : adapters.file(config, writes),
  };
}
