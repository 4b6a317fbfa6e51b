import type { ConnectionOptions } from 'node:tls';
import { rootCertificates } from 'node:tls';

/**
 * The TLS part of ioredis options for `url`. A `rediss://` URL verifies the server against the
 * system CAs, and also against `ca` (PEM) when given: a private CA is trusted beside the public
 * ones, not instead of them. Options built from host and port rather than the URL (cluster
 * nodes, BLMOVE connections) need this too, or they would talk plain TCP to a TLS port.
 */
export function redisTlsOptions(url: string, ca?: string | null): { tls?: ConnectionOptions } {
  if (!/^rediss:\/\//i.test(url)) return {};
  return { tls: ca ? { ca: [...rootCertificates, ca] } : {} };
}
