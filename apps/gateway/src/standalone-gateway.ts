import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { GatewayDirectory, GatewayServer } from '@gridcore/gateway';
import { GatewayAppConfig } from './config/gateway-app-config';
import { HubHttpDirectory } from './directory/hub-http-directory';

/** The gateway server of this process: listens once the app is up, closes every connection on shutdown. */
@Injectable()
export class StandaloneGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Gateway');
  private server: GatewayServer | null = null;

  constructor(
    private readonly config: GatewayAppConfig,
    private readonly directory: GatewayDirectory,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { host, port, tls } = this.config;
    this.server = new GatewayServer({ directory: this.directory, host, port, tls: tls ?? undefined, log: (line) => this.logger.warn(line) });
    const address = await this.server.listen();
    this.logger.log(`data gateway listening on ${tls ? 'rediss' : 'redis'}://${host}:${address.port}, asking the hub at ${this.config.hubUrl}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
    if (this.directory instanceof HubHttpDirectory) this.directory.close();
  }
}
