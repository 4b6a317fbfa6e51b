import type { ConfigSchema, TextRule } from '@gridcore/config';

/** The original's single `token` keeps its own rule (8 characters), so its users' files still load. */
const LEGACY_TOKEN: TextRule = { pattern: /^\S{8,512}$/, expected: 'a token of 8 to 512 characters without spaces' };
/** Role tokens are ours alone: long enough that guessing one is hopeless (issue 14, fault 7). */
export const ROLE_TOKEN_MIN_LENGTH = 16;
const ROLE_TOKEN: TextRule = {
  pattern: new RegExp(`^\\S{${ROLE_TOKEN_MIN_LENGTH},512}$`),
  expected: `tokens of ${ROLE_TOKEN_MIN_LENGTH} to 512 characters without spaces`,
};

/** The hub's keys (SPEC §8). Each is also `COMPUTEHUB_<KEY>` in env. */
export const HUB_CONFIG_SCHEMA = {
  bind: {
    type: 'string',
    default: '0.0.0.0:8080',
    format: { pattern: /^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+):\d{1,5}$/, expected: 'an address host:port such as 0.0.0.0:8080 or [::1]:8080' },
  },
  token: { type: 'string', secret: true, format: LEGACY_TOKEN },
  admin_tokens: { type: 'string[]', default: [], secret: true, items: ROLE_TOKEN },
  viewer_tokens: { type: 'string[]', default: [], secret: true, items: ROLE_TOKEN },
  node_tokens: { type: 'string[]', default: [], secret: true, items: ROLE_TOKEN },
  state_store: { type: 'string', default: 'file', format: { pattern: /^(file|redis)$/, expected: '"file" or "redis"' } },
  state_dir: { type: 'string' },
  state_redis_url: { type: 'string', secret: true, format: { pattern: /^rediss?:\/\/\S+$/, expected: 'a redis:// or rediss:// URL' } },
  node_offline_after_s: { type: 'number', default: 60, min: 0.1, max: 86_400 },
  node_remove_after_s: { type: 'number', default: 3600, min: 0.1, max: 31_536_000 },
  cleanup_interval_s: { type: 'number', default: 30, min: 0.05, max: 86_400 },
  auto_finish: { type: 'bool', default: false },
  auto_finish_grace_s: { type: 'number', default: 30, min: 0, max: 86_400 },
  progress_interval_s: { type: 'number', default: 5, min: 0.05, max: 3600 },
  metrics_public: { type: 'bool', default: false },
  /** Lease of a taken batch, written to each task's P:config; short leases make lapse tests quick. */
  lease_s: { type: 'int', default: 60, min: 5, max: 86_400 },
  max_nodes: { type: 'int', default: 100_000, min: 1, max: 10_000_000 },
  /** PEM certificate file (leaf first, then its chain); with tls_key the hub serves HTTPS only. */
  tls_cert: { type: 'string' },
  /** PEM private key file of tls_cert (unencrypted; keep it mode 0600). */
  tls_key: { type: 'string' },
  /** Registrations a second per join token (a burst of ten seconds' worth), so a flood cannot grow the hub's memory without bound. */
  /** Tokens of standalone gateways (apps/gateway): the `gateway` role only, never admin or node. */
  gateway_tokens: { type: 'string[]', default: [], secret: true, items: ROLE_TOKEN },
  /** Where the hub runs its in-process data gateway (issue 17); unset: no gateway in this process. */
  gateway_bind: {
    type: 'string',
    format: { pattern: /^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+):\d{1,5}$/, expected: 'an address host:port such as 127.0.0.1:6390' },
  },
  /** PEM certificate and key of the gateway; required for a gateway_bind other than loopback. */
  gateway_tls_cert: { type: 'string' },
  gateway_tls_key: { type: 'string' },
  /**
   * The gateway's address as volunteer nodes reach it (`redis://host:port` or `rediss://`, no user
   * or password): a standalone gateway's Service, or a public name of gateway_bind. Unset with
   * gateway_bind: derived from it.
   */
  gateway_url: {
    type: 'string',
    format: { pattern: /^rediss?:\/\/(\[[0-9a-fA-F:.]+\]|[^\s:@\/\[\]]+):\d{1,5}\/?$/, expected: 'redis://host:port or rediss://host:port, without user or password' },
  },
  join_rate_per_s: { type: 'number', default: 5, min: 0.01, max: 1_000_000 },
} as const satisfies ConfigSchema;

/** Keys of the original's computehub.toml that we do not use: warned about, not refused. */
export const HUB_IGNORED_KEYS = ['architecture', 'log_level'] as const;
