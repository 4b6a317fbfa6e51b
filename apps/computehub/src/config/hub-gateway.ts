import { ConfigError } from '@gridcore/config';
import { HubTls, loadHubTls } from './hub-tls';

/** The data gateway as the hub knows it (issue 17): where it runs in-process, and where nodes reach it. */
export interface HubGateway {
  /** The in-process gateway's listen address, or null when only a standalone gateway serves (gateway_url alone). */
  bind: { host: string; port: number } | null;
  /** Its certificate and key (gateway_tls_cert / gateway_tls_key), or null for plain TCP on loopback. */
  tls: HubTls | null;
  /** What volunteer nodes get as input_redis / output_redis of a gateway task: no user, no password. */
  publicUrl: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (port > 65_535) throw new ConfigError(`config: gateway_bind port must be at most 65535 (got ${port})`);
  return { host, port };
}

/**
 * Reads the gateway keys once at start. None set: no gateway (every task is direct). A gateway
 * off loopback must speak TLS, since its clients send their secrets in AUTH.
 */
export function loadHubGateway(values: {
  gateway_bind: string | null;
  gateway_tls_cert: string | null;
  gateway_tls_key: string | null;
  gateway_url: string | null;
}): HubGateway | null {
  const { gateway_bind: bindText, gateway_url: url } = values;
  const tls = loadHubTls(values.gateway_tls_cert, values.gateway_tls_key, new Date(), 'gateway_tls_cert', 'gateway_tls_key');
  if (!bindText && !url) {
    if (tls) throw new ConfigError('config: gateway_tls_cert is set but neither gateway_bind nor gateway_url is');
    return null;
  }
  const bind = bindText ? splitAddress(bindText) : null;
  if (bind && !tls && !isLoopbackHost(bind.host)) {
    throw new ConfigError(`config: gateway_bind ${bindText} is not a loopback address: set gateway_tls_cert and gateway_tls_key (the gateway's clients send secrets)`);
  }
  let publicUrl = url?.replace(/\/$/, '') ?? null;
  if (!publicUrl) {
    const host = bind!.host === '0.0.0.0' ? '127.0.0.1' : bind!.host === '::' ? '::1' : bind!.host;
    publicUrl = `${tls ? 'rediss' : 'redis'}://${host.includes(':') ? `[${host}]` : host}:${bind!.port}`;
  }
  return { bind, tls, publicUrl };
}
