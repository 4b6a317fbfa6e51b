import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HubConfig } from '../config/hub-config';
import { JoinTokensModule } from '../join-tokens/join-tokens.module';
import { BearerAuthGuard } from './bearer-auth.guard';
import { TokenRegistry } from './token-registry';
import { WhoamiController } from './whoami.controller';

@Module({
  imports: [JoinTokensModule],
  controllers: [WhoamiController],
  providers: [
    {
      provide: TokenRegistry,
      inject: [HubConfig],
      useFactory: (config: HubConfig) =>
        new TokenRegistry({
          legacy: config.values.token,
          admin: config.values.admin_tokens,
          viewer: config.values.viewer_tokens,
          gateway: config.values.gateway_tokens,
          // node_tokens are join tokens now: the credential book knows them.
        }),
    },
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
})
export class AuthModule {}
