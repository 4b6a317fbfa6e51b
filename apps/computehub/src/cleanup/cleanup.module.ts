import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { CleanupScheduler } from './cleanup.scheduler';

@Module({ imports: [NodesModule], providers: [CleanupScheduler], exports: [CleanupScheduler] })
export class CleanupModule {}
