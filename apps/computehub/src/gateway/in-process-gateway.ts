import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { GatewayDirectory, GatewayServer } from '@gridcore/gateway';
import { HubConfig } from '../config/hub-config';

/**
 * The data gateway the hub runs itself when `gateway_bind` is set (unset: none, and this does
 * nothing). It starts after the hub's state is loaded and stops before it, so no connection is
 * served from a directory that is not there.
 */
@Injectable()
export class InProcessGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Gateway');
  private server: GatewayServer | null = null;

  constructor(
    private readonly config: HubConfig,
    private readonly directory: GatewayDirectory,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const bind = this.config.gateway?.bind;
    if (!bind) return;
    const tls = this.config.gateway!.tls;
    const server = new GatewayServer({
      directory: this.directory,
      host: bind.host,
      port: bind.port,
      tls: tls ? { cert: tls.cert.toString('utf8'), key: tls.key.toString('utf8') } : undefined,
      log: (line) => this.logger.warn(line),
    });
    const address = await server.listen();
    this.server = server;
    this.logger.log(`data gateway listening on ${tls ? 'rediss' : 'redis'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}; nodes get ${this.config.gateway!.publicUrl}`);
  }

  /** The port it listens on (gateway_bind with port 0 picks one), or null without a gateway. */
  get port(): number | null {
    return this.server?.address().port ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }
}
