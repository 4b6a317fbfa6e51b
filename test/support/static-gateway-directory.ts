import { Subject } from 'rxjs';
import { credentialDigestOf, GatewayDirectory, GatewayTaskRoute } from '@gridcore/gateway';

/**
 * A GatewayDirectory held in memory, for tests of the gateway on its own: nodes with their
 * credentials (kept as digests, as the hub does), each node's task route, and revocation.
 */
export class StaticGatewayDirectory extends GatewayDirectory {
  private readonly digests = new Map<string, string>();
  private readonly routes = new Map<string, GatewayTaskRoute>();
  private readonly revoked = new Subject<string>();
  /** How many times each method was asked (cache tests). */
  readonly asked = { credentialDigest: 0, taskFor: 0 };

  addNode(nodeId: string, credential: string, route: GatewayTaskRoute | null): void {
    this.digests.set(nodeId, credentialDigestOf(credential));
    if (route) this.routes.set(nodeId, route);
    else this.routes.delete(nodeId);
  }

  revoke(nodeId: string): void {
    this.digests.delete(nodeId);
    this.routes.delete(nodeId);
    this.revoked.next(nodeId);
  }

  async credentialDigest(nodeId: string): Promise<string | null> {
    this.asked.credentialDigest++;
    return this.digests.get(nodeId) ?? null;
  }

  async taskFor(nodeId: string): Promise<GatewayTaskRoute | null> {
    this.asked.taskFor++;
    return this.routes.get(nodeId) ?? null;
  }

  revocations() {
    return this.revoked.asObservable();
  }
}

/** A route for `queue` on one Redis (input and output on the same server: exactly-once). */
export function gatewayRoute(redisUrl: string, queue: string, output: string, overrides: Partial<GatewayTaskRoute> = {}): GatewayTaskRoute {
  return {
    name: 'gw-test', input_redis: redisUrl, output_redis: redisUrl, redis_tls_ca: null,
    input_queue: queue, output_queue: output, batch_timeout_s: 600, max_attempts: 3, ...overrides,
  };
}
