/**
 * The configuration keys of SPEC §8, fixed so users' files, env and deployment manifests can rely
 * on them. Each key is also read from env as its app's prefix plus the key in upper case
 * (`COMPUTEHUB_ADMIN_TOKENS`, `GRIDNODE_SERVER_URL`). The apps' config schemas and the Kubernetes
 * manifests' test import these lists, so they cannot drift apart.
 */
export const HUB_CONFIG_KEYS = [
  'bind',
  'token',
  'admin_tokens',
  'viewer_tokens',
  'node_tokens',
  'state_store',
  'state_dir',
  'state_redis_url',
  'node_offline_after_s',
  'node_remove_after_s',
  'cleanup_interval_s',
  'auto_finish',
  'auto_finish_grace_s',
  'progress_interval_s',
  'metrics_public',
  'max_nodes',
  'tls_cert',
  'tls_key',
  'gateway_bind',
  'gateway_tls_cert',
  'gateway_tls_key',
  'gateway_url',
  'gateway_tokens',
] as const;

/** The standalone data gateway's keys (apps/gateway), env only: `GATEWAY_<KEY>`. */
export const GATEWAY_CONFIG_KEYS = ['bind', 'hub_url', 'hub_token', 'tls_cert', 'tls_key', 'hub_ca_file'] as const;

export const NODE_CONFIG_KEYS = [
  'server_url',
  'token',
  'node_id',
  'hostname',
  'parallelism',
  'heartbeat_interval',
  'stop_timeout',
  'container_memory',
  'network_mode',
  'docker_socket',
  'state_dir',
  'labels',
  'ca_file',
] as const;

export type HubConfigKey = (typeof HUB_CONFIG_KEYS)[number];
export type NodeConfigKey = (typeof NODE_CONFIG_KEYS)[number];

export const HUB_ENV_PREFIX = 'COMPUTEHUB_';
export const NODE_ENV_PREFIX = 'GRIDNODE_';
export const GATEWAY_ENV_PREFIX = 'GATEWAY_';

/** The env variable of a config key: `configEnvName('GRIDNODE_', 'server_url')` → `GRIDNODE_SERVER_URL`. */
export function configEnvName(prefix: string, key: string): string {
  return `${prefix}${key.toUpperCase()}`;
}
