import { Module } from '@nestjs/common';
import { GatewayDirectory } from '@gridcore/gateway';
import { JoinTokensModule } from '../join-tokens/join-tokens.module';
import { TasksModule } from '../tasks/tasks.module';
import { GatewayDirectoryController } from './gateway-directory.controller';
import { HubGatewayDirectory } from './hub-gateway-directory';
import { InProcessGateway } from './in-process-gateway';
import { RevocationFeed } from './revocation-feed';

/**
 * The data gateway's side of the hub (issue 17): the directory a gateway reads (in-process, and
 * over `/gateway/*` for standalone ones) and, with gateway_bind, the in-process gateway itself.
 */
@Module({
  imports: [JoinTokensModule, TasksModule],
  controllers: [GatewayDirectoryController],
  providers: [{ provide: GatewayDirectory, useClass: HubGatewayDirectory }, RevocationFeed, InProcessGateway],
  exports: [GatewayDirectory],
})
export class GatewayModule {}
