import { readFileSync } from 'node:fs';
import { ConfigError } from '@gridcore/config';

/**
 * A standalone gateway's settings, from env only (a container's way): where it listens, its TLS,
 * and the hub it asks. Checked once at start, each problem one line naming the variable.
 */
export class GatewayAppConfig {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly hubUrl: string,
    /** A `gateway_tokens` entry of the hub: it can read node digests and routes, nothing else. */
    readonly hubToken: string,
    readonly tls: { cert: string; key: string } | null,
    /** PEM of a CA trusted beside the system CAs for an https:// hub. */
    readonly hubCa: string | null,
  ) {
    Object.freeze(this);
  }

  static fromEnv(env: NodeJS.ProcessEnv): GatewayAppConfig {
    const need = (name: string): string => {
      const value = env[name]?.trim();
      if (!value) throw new ConfigError(`gateway: ${name} is required`);
      return value;
    };
    const bind = env.GATEWAY_BIND?.trim() || '127.0.0.1:6390';
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+):(\d{1,5})$/.exec(bind);
    if (!match || Number(match[2]) > 65_535) throw new ConfigError(`gateway: GATEWAY_BIND must be host:port such as 0.0.0.0:6390 (got ${bind})`);
    const hubUrl = need('GATEWAY_HUB_URL');
    if (!/^https?:\/\/\S+$/.test(hubUrl)) throw new ConfigError(`gateway: GATEWAY_HUB_URL must be an http:// or https:// URL (got ${hubUrl})`);
    const hubToken = need('GATEWAY_HUB_TOKEN');
    const certFile = env.GATEWAY_TLS_CERT?.trim();
    const keyFile = env.GATEWAY_TLS_KEY?.trim();
    if (!!certFile !== !!keyFile) throw new ConfigError('gateway: GATEWAY_TLS_CERT and GATEWAY_TLS_KEY go together (TLS needs both)');
    const read = (name: string, file: string) => {
      try {
        return readFileSync(file, 'utf8');
      } catch (err) {
        throw new ConfigError(`gateway: ${name} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    };
    const tls = certFile && keyFile ? { cert: read('GATEWAY_TLS_CERT', certFile), key: read('GATEWAY_TLS_KEY', keyFile) } : null;
    const caFile = env.GATEWAY_HUB_CA_FILE?.trim();
    return new GatewayAppConfig(match[1].replace(/^\[(.*)\]$/, '$1'), Number(match[2]), hubUrl.replace(/\/$/, ''), hubToken, tls, caFile ? read('GATEWAY_HUB_CA_FILE', caFile) : null);
  }
}
