import { Module } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { StateRedis } from '../persistence/state-redis.provider';
import { StateWriteHealth } from '../persistence/state-write-health';
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
      inject: [HubConfig, StateRedis, StateWriteHealth],
      useFactory: (config: HubConfig, redis: StateRedis, writes: StateWriteHealth) =>
        config.values.state_store === 'redis' ? new RedisNodeStore(redis, writes) : new FileNodeStore(config, writes),
    },
    NodesService,
  ],
  exports: [NodesService],
})
export class NodesModule {}
