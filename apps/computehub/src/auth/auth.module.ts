import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HubConfig } from '../config/hub-config';
import { BearerAuthGuard } from './bearer-auth.guard';
import { TokenRegistry } from './token-registry';
import { WhoamiController } from './whoami.controller';

@Module({
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
          node: config.values.node_tokens,
        }),
    },
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
})
export class AuthModule {}
