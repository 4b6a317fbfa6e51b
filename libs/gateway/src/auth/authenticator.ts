import { assertSlotPart } from '@gridcore/queue';
import type { GatewayDirectory } from '../gateway-directory';
import { containerSecret, credentialDigestOf, sameSecret } from './credentials';
import type { Identity } from './identity';

const SLOT_PART = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Checks AUTH: `<node id>.<instance>` with the container secret, or `<node id>` with the node's
 * own credential. Node ids may hold dots, so a username is tried both ways; each try compares in
 * constant time. Digests are cached for `cacheMs` (a revocation drops its node at once).
 */
export class Authenticator {
  private readonly digests = new Map<string, { digest: string | null; until: number }>();

  constructor(
    private readonly directory: GatewayDirectory,
    private readonly cacheMs = 5000,
  ) {}

  forget(nodeId: string): void {
    this.digests.delete(nodeId);
  }

  private async digestOf(nodeId: string): Promise<string | null> {
    const now = Date.now();
    const hit = this.digests.get(nodeId);
    if (hit && hit.until > now) return hit.digest;
    const digest = await this.directory.credentialDigest(nodeId);
    this.digests.set(nodeId, { digest, until: now + this.cacheMs });
    if (this.digests.size > 100_000) this.digests.delete(this.digests.keys().next().value as string);
    return digest;
  }

  /** The identity the username and password prove, or null (unknown, revoked or wrong). */
  async authenticate(username: string, password: string): Promise<Identity | null> {
    if (!SLOT_PART.test(username)) return null;
    let found: Identity | null = null;
    const dot = username.lastIndexOf('.');
    if (dot > 0 && dot < username.length - 1) {
      const nodeId = username.slice(0, dot);
      const instance = username.slice(dot + 1);
      const digest = await this.digestOf(nodeId);
      if (digest !== null && sameSecret(password, containerSecret(digest, instance))) found = { kind: 'container', nodeId, instance };
    }
    if (!found) {
      const digest = await this.digestOf(username);
      if (digest !== null && sameSecret(credentialDigestOf(password), digest)) found = { kind: 'node', nodeId: username };
    }
    if (found) {
      assertSlotPart('node id', found.nodeId);
    }
    return found;
  }
}
