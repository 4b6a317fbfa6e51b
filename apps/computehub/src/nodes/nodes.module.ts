import { Module } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { StateRedis } from '../persistence/state-redis.provider';
import { FileNodeStore } from './file-node-store';
import { NodeStore } from './node-store';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';
import { RedisNodeStore } from './redis-node-store';

@Module({
  controllers: [NodesController],
  providers: [
    {
      provide: NodeStore,
      inject: [HubConfig, StateRedis],
      useFactory: (config: HubConfig, redis: StateRedis) =>
        config.values.state_store === 'redis' ? new RedisNodeStore(redis) : new FileNodeStore(config),
    },
    NodesService,
  ],
  exports: [NodesService],
})
export class NodesModule {}
