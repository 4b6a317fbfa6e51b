import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@gridcore/config';

/** What the hub serves HTTPS with: the certificate file (leaf first, then any chain) and its key. */
export interface HubTls {
  cert: Buffer;
  key: Buffer;
  /** The leaf's subject and expiry, for the start-up line. */
  subject: string;
  validTo: string;
}

function read(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`config: ${key} ${path} cannot be read (${code})`);
  }
}

/**
 * Reads and checks `tls_cert` / `tls_key` once at start, so a wrong file is one config line now
 * rather than a failed handshake for every node later. Both or neither; null: plain HTTP.
 */
export function loadHubTls(certPath: string | null, keyPath: string | null, now = new Date(), certKey = 'tls_cert', keyKey = 'tls_key'): HubTls | null {
  if (!certPath && !keyPath) return null;
  const needs = certKey === 'tls_cert' ? 'HTTPS needs both' : 'TLS needs both';
  if (!certPath) throw new ConfigError(`config: ${keyKey} is set but ${certKey} is not (${needs})`);
  if (!keyPath) throw new ConfigError(`config: ${certKey} is set but ${keyKey} is not (${needs})`);
  const cert = read(certKey, certPath);
  const key = read(keyKey, keyPath);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`config: ${certKey} ${certPath} is not a PEM certificate`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(`config: ${keyKey} ${keyPath} is not a PEM private key (or it is encrypted)`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(`config: ${keyKey} ${keyPath} does not match the certificate in ${certKey} ${certPath}`);
  }
  if (new Date(leaf.validTo).getTime() < now.getTime()) {
    throw new ConfigError(`config: ${certKey} ${certPath} expired on ${new Date(leaf.validTo).toISOString()}`);
  }
  return { cert, key, subject: leaf.subject.replace(/\n/g, ', '), validTo: new Date(leaf.validTo).toISOString() };
}
