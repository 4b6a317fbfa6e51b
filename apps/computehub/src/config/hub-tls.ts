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
export function loadHubTls(certPath: string | null, keyPath: string | null, now = new Date()): HubTls | null {
  if (!certPath && !keyPath) return null;
  if (!certPath) throw new ConfigError('config: tls_key is set but tls_cert is not (HTTPS needs both)');
  if (!keyPath) throw new ConfigError('config: tls_cert is set but tls_key is not (HTTPS needs both)');
  const cert = read('tls_cert', certPath);
  const key = read('tls_key', keyPath);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`config: tls_cert ${certPath} is not a PEM certificate`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(`config: tls_key ${keyPath} is not a PEM private key (or it is encrypted)`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(`config: tls_key ${keyPath} does not match the certificate in tls_cert ${certPath}`);
  }
  if (new Date(leaf.validTo).getTime() < now.getTime()) {
    throw new ConfigError(`config: tls_cert ${certPath} expired on ${new Date(leaf.validTo).toISOString()}`);
  }
  return { cert, key, subject: leaf.subject.replace(/\n/g, ', '), validTo: new Date(leaf.validTo).toISOString() };
}
