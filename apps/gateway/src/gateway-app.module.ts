import { DynamicModule, Module } from '@nestjs/common';
import { GatewayDirectory } from '@gridcore/gateway';
import { GatewayAppConfig } from './config/gateway-app-config';
import { HubHttpDirectory } from './directory/hub-http-directory';
import { StandaloneGateway } from './standalone-gateway';

/** A standalone data gateway: the gateway server, its directory the hub's HTTP API. Stateless, so replicas scale out. */
@Module({})
export class GatewayAppModule {
  static forRoot(config: GatewayAppConfig): DynamicModule {
    return {
      module: GatewayAppModule,
      providers: [
        { provide: GatewayAppConfig, useValue: config },
        { provide: GatewayDirectory, useFactory: (c: GatewayAppConfig) => new HubHttpDirectory(c.hubUrl, c.hubToken, c.hubCa), inject: [GatewayAppConfig] },
        StandaloneGateway,
      ],
    };
  }
}
