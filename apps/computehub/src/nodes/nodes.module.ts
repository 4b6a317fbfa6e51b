import { Module } from '@nestjs/common';
import { stateStoreProvider } from '../persistence/state-store.provider';
import { FileNodeStore } from './file-node-store';
import { NodeStore } from './node-store';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';
import { RedisNodeStore } from './redis-node-store';

@Module({
  controllers: [NodesController],
  providers: [
    stateStoreProvider(NodeStore, { redis: (redis, writes) => new RedisNodeStore(redis, writes), file: (config, writes) => new FileNodeStore(config, writes) }),
    NodesService,
  ],
  exports: [NodesService],
})
export class NodesModule {}
