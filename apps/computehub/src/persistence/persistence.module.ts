import { Global, Module } from '@nestjs/common';
import { StateRedis } from './state-redis.provider';

@Global()
@Module({ providers: [StateRedis], exports: [StateRedis] })
export class PersistenceModule {}
