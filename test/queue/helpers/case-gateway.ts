import Redis from 'ioredis';
import { containerSecret, credentialDigestOf, GatewayServer, GatewayTaskRoute } from '@gridcore/gateway';
import { QueueKeys } from '@gridcore/queue';
import { gatewayRoute, StaticGatewayDirectory } from '../../support/static-gateway-directory';

/** The node every conformance worker runs as (the gateway rewrites node_id to it). */
export const CASE_GATEWAY_NODE = 'node-a';
const CASE_GATEWAY_CREDENTIAL = 'conformance-node-a-credential';

/**
 * The task a conformance case's gateway serves: its queue on its own redis-server, with
 * `max_attempts` and `batch_timeout_s` read from the queue's config when asked, as the hub's
 * route carries the same task settings it wrote there (a case writes its config before it
 * starts a worker, and the gateway asks on every connection: routeCacheMs 0).
 */
class CaseGatewayDirectory extends StaticGatewayDirectory {
  constructor(private readonly redis: Redis, private readonly queue: string) {
    super();
  }

  override async taskFor(nodeId: string): Promise<GatewayTaskRoute | null> {
    const route = await super.taskFor(nodeId);
    if (!route) return null;
    const [timeout, attempts] = await this.redis.hmget(new QueueKeys(this.queue).config, 'batch_timeout_s', 'max_attempts');
    return { ...route, batch_timeout_s: Number(timeout ?? route.batch_timeout_s), max_attempts: Number(attempts ?? route.max_attempts) };
  }
}

/** A data gateway on 127.0.0.1 in front of one case's redis-server, routing node-a to its queue. */
export class CaseGateway {
  private constructor(private readonly server: GatewayServer, readonly port: number) {}

  static async start(redisUrl: string, redis: Redis, queue: string, output: string): Promise<CaseGateway> {
    const directory = new CaseGatewayDirectory(redis, queue);
    directory.addNode(CASE_GATEWAY_NODE, CASE_GATEWAY_CREDENTIAL, gatewayRoute(redisUrl, queue, output));
    const server = new GatewayServer({ directory, host: '127.0.0.1', port: 0, routeCacheMs: 0, log: () => undefined });
    return new CaseGateway(server, (await server.listen()).port);
  }

  /** The URL a container of node-a, instance `instance`, is given for both its input and output. */
  containerUrl(instance: string): string {
    const secret = containerSecret(credentialDigestOf(CASE_GATEWAY_CREDENTIAL), instance);
    return `redis://${CASE_GATEWAY_NODE}.${instance}:${secret}@127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
