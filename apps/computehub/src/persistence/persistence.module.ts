import { Global, Module } from '@nestjs/common';
import { LeftoverTempFiles } from './leftover-temp-files';
import { StateRedis } from './state-redis.provider';
import { StateWriteHealth } from './state-write-health';

@Global()
@Module({ providers: [StateRedis, StateWriteHealth, LeftoverTempFiles], exports: [StateRedis, StateWriteHealth] })
export class PersistenceModule {}
