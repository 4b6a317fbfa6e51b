import Redis from 'ioredis';
import { containerSecret, credentialDigestOf, GatewayServer } from '@gridcore/gateway';
import { QueueAdmin, QueueConfig } from '@gridcore/queue';
import { gatewayRoute, StaticGatewayDirectory } from '../../support/static-gateway-directory';

/** The node every conformance worker runs as (the gateway rewrites node_id to it). */
export const CASE_GATEWAY_NODE = 'node-a';
const CASE_GATEWAY_CREDENTIAL = 'conformance-node-a-credential';

/** A data gateway on 127.0.0.1 in front of one case's redis-server, routing node-a to its queue. */
export class CaseGateway {
  private constructor(
    private readonly server: GatewayServer,
    private readonly directory: StaticGatewayDirectory,
    private readonly redisUrl: string,
    private readonly queue: string,
    private readonly output: string,
    readonly port: number,
  ) {}

  static async start(redisUrl: string, queue: string, output: string): Promise<CaseGateway> {
    const directory = new StaticGatewayDirectory();
    directory.addNode(CASE_GATEWAY_NODE, CASE_GATEWAY_CREDENTIAL, gatewayRoute(redisUrl, queue, output));
    // routeCacheMs 0: a route changed by taskAdmin's writeConfig is served from the next command on.
    const server = new GatewayServer({ directory, host: '127.0.0.1', port: 0, routeCacheMs: 0, log: () => undefined });
    const { port } = await server.listen();
    return new CaseGateway(server, directory, redisUrl, queue, output, port);
  }

  /** The URL a container of node-a, instance `instance`, is given for both its input and output. */
  containerUrl(instance: string): string {
    const secret = containerSecret(credentialDigestOf(CASE_GATEWAY_CREDENTIAL), instance);
    return `redis://${CASE_GATEWAY_NODE}.${instance}:${secret}@127.0.0.1:${this.port}`;
  }

  /**
   * A QueueAdmin whose writeConfig also sets the route's `max_attempts` and `batch_timeout_s`, as
   * the hub's route carries the same task settings it writes to the queue's config (the gateway
   * rewrites those script arguments to the route's).
   */
  taskAdmin(redis: Redis): QueueAdmin {
    const gateway = this;
    return new (class extends QueueAdmin {
      override async writeConfig(queue: string, config: Partial<QueueConfig>, runId?: string): Promise<QueueConfig> {
        const written = await super.writeConfig(queue, config, runId);
        if (queue === gateway.queue) gateway.route(written);
        return written;
      }
    })(redis);
  }

  private route(config: QueueConfig): void {
    const settings = { batch_timeout_s: config.batchTimeoutS, max_attempts: config.maxAttempts };
    this.directory.addNode(CASE_GATEWAY_NODE, CASE_GATEWAY_CREDENTIAL, gatewayRoute(this.redisUrl, this.queue, this.output, settings));
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
