import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { coerceFileValue, ConfigError, ConfigSource, ConfigValues, defaultStateDir, FieldSpec, loadConfig, userConfigDirs } from '@gridcore/config';
import { HUB_CONFIG_SCHEMA, HUB_IGNORED_KEYS } from './hub-config.schema';
import { HubGateway, loadHubGateway } from './hub-gateway';
import { HubTls, loadHubTls } from './hub-tls';

type HubValues = ConfigValues<typeof HUB_CONFIG_SCHEMA>;

/**
 * The hub's resolved configuration: file + env, validated once at start. Injected by class, so
 * nothing else in the hub reads `process.env`.
 */
export class HubConfig {
  readonly host: string;
  readonly port: number;
  readonly stateDir: string;
  /** Set when tls_cert and tls_key are: the hub then serves HTTPS. */
  readonly tls: HubTls | null;
  /** Set when gateway_bind or gateway_url is: gateway tasks are then handed to volunteer nodes. */
  readonly gateway: HubGateway | null;

  constructor(
    readonly values: HubValues,
    readonly file: string | null,
  ) {
    const colon = values.bind.lastIndexOf(':');
    this.host = values.bind.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    this.port = Number(values.bind.slice(colon + 1));
    if (this.port > 65_535) throw new ConfigError(`config: bind port must be at most 65535 (got ${this.port})`);
    this.stateDir = values.state_dir ?? defaultStateDir(file);
    if (values.state_store === 'redis' && !values.state_redis_url) {
      throw new ConfigError('config: state_store = "redis" needs state_redis_url');
    }
    const tokens = [values.token, ...values.admin_tokens, ...values.viewer_tokens, ...values.node_tokens];
    if (!tokens.some(Boolean)) {
      throw new ConfigError('config: no token configured (set token, admin_tokens or COMPUTEHUB_TOKEN)');
    }
    this.tls = loadHubTls(values.tls_cert, values.tls_key);
    this.gateway = loadHubGateway(values);
    Object.freeze(this);
  }

  /** A config from values given in code (tests, tools), held to the same rules as a file. */
  static fromValues(values: Partial<HubValues>): HubConfig {
    const resolved: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(HUB_CONFIG_SCHEMA)) if ('default' in spec) resolved[key] = spec.default;
    for (const [key, value] of Object.entries(values)) {
      const spec = (HUB_CONFIG_SCHEMA as Record<string, FieldSpec>)[key];
      if (!spec) throw new ConfigError(`config: ${key} is not a hub key`);
      resolved[key] = value === undefined || value === null ? value : coerceFileValue(key, '(given in code)', spec, value);
    }
    return new HubConfig(resolved as HubValues, null);
  }
}

export interface LoadedHubConfig {
  config: HubConfig;
  warnings: string[];
  /** Set when this run wrote a first config file: where it is (never the token itself). */
  createdFile: string | null;
}

const SPEC = {
  appVariable: 'COMPUTEHUB_CONFIG',
  envPrefix: 'COMPUTEHUB_',
  fileNames: ['computehub.toml'],
  schema: HUB_CONFIG_SCHEMA,
  ignoredKeys: HUB_IGNORED_KEYS,
};

function hasEnvToken(source: ConfigSource): boolean {
  return ['TOKEN', 'ADMIN_TOKENS', 'VIEWER_TOKENS', 'NODE_TOKENS'].some((k) => !!source.env[`COMPUTEHUB_${k}`]);
}

/** A fresh token: 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Loads the hub's config. On a first run (no file found, no token in env) it writes a
 * `computehub.toml` with a fresh random token to the user config dir, mode 0600, and serves.
 */
export function loadHubConfig(source: ConfigSource): LoadedHubConfig {
  let loaded = loadConfig(SPEC, source);
  let createdFile: string | null = null;
  if (!loaded.file && !hasEnvToken(source)) {
    const dir = userConfigDirs(source)[0];
    createdFile = join(dir, 'computehub.toml');
    mkdirSync(dir, { recursive: true });
    const token = generateToken();
    writeFileSync(createdFile, `# Written by ComputeHub on its first run.\nbind = "0.0.0.0:8080"\ntoken = "${token}"\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    chmodSync(createdFile, 0o600);
    loaded = loadConfig(SPEC, source);
  }
  return { config: new HubConfig(loaded.values, loaded.file), warnings: loaded.warnings, createdFile };
}
