import { createHmac, hash } from 'node:crypto';

/** Lowercase hex SHA-256 of the node credential: what the hub keeps, and the key of every container secret. */
export function credentialDigest(credential: string): string {
  return hash('sha256', credential, 'hex');
}

/**
 * One container's gateway password (issue 17.2): lowercase hex HMAC-SHA256 of the instance id,
 * keyed with the credential digest as its hex string. A container knows its own secret only, so
 * it cannot speak as another instance, and the node never hands out its credential.
 */
export function containerSecret(credential: string, instance: number | string): string {
  return createHmac('sha256', credentialDigest(credential)).update(String(instance)).digest('hex');
}

/** `redis://<node id>.<instance>:<secret>@<gateway>`: the URL one container gets for a gateway task. */
export function containerGatewayUrl(gatewayUrl: string, nodeId: string, instance: number | string, credential: string): string {
  return withUser(gatewayUrl, `${nodeId}.${instance}`, containerSecret(credential, instance));
}

/** The node's own gateway URL: its id and its credential (for GRIDCORE commands on its slots). */
export function nodeGatewayUrl(gatewayUrl: string, nodeId: string, credential: string): string {
  return withUser(gatewayUrl, nodeId, credential);
}

/** The gateway's bare address (scheme, host, port) from a URL that may carry a user. */
export function bareGatewayUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

function withUser(gatewayUrl: string, user: string, password: string): string {
  const parsed = new URL(bareGatewayUrl(gatewayUrl));
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString().replace(/\/$/, '');
}
