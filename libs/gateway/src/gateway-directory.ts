import type { Observable } from 'rxjs';

/**
 * What the gateway needs to serve one task to one node. The Redis URLs carry the task's own
 * credentials: only the gateway ever sees them.
 */
export interface GatewayTaskRoute {
  /** Task name, for logs and errors. */
  name: string;
  /** The task's real input Redis (with its user and password), and the output one. */
  input_redis: string;
  output_redis: string;
  /** CA (PEM) for a rediss:// task Redis, or null. */
  redis_tls_ca: string | null;
  input_queue: string;
  output_queue: string;
  batch_timeout_s: number;
  max_attempts: number;
}

/**
 * The gateway's view of the hub: who may connect and what they are served. The hub implements it
 * in-process (gateway_bind); a standalone gateway implements it over the hub's HTTP API. The
 * gateway keeps no state of its own beyond caches of these answers, so replicas are interchangeable.
 */
export abstract class GatewayDirectory {
  /** Lowercase hex SHA-256 of the node's credential, or null when the node is unknown or revoked. */
  abstract credentialDigest(nodeId: string): Promise<string | null>;

  /** The gateway task this node runs now, or null (no task, a direct task, or the node may run none). */
  abstract taskFor(nodeId: string): Promise<GatewayTaskRoute | null>;

  /** Node ids as they are revoked (or quarantined): the gateway closes their connections. */
  abstract revocations(): Observable<string>;
}
