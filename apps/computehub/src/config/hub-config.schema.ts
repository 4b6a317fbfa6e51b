import type { ConfigSchema } from '@gridcore/config';

const TOKEN = /^\S{8,512}$/;

/** The hub's keys (SPEC §8). Each is also `COMPUTEHUB_<KEY>` in env. */
export const HUB_CONFIG_SCHEMA = {
  bind: { type: 'string', default: '0.0.0.0:8080', pattern: /^(\[[0-9a-fA-F:.]+\]|[^\s:\[\]]+):\d{1,5}$/ },
  token: { type: 'string', secret: true, pattern: TOKEN },
  admin_tokens: { type: 'string[]', default: [], secret: true },
  viewer_tokens: { type: 'string[]', default: [], secret: true },
  node_tokens: { type: 'string[]', default: [], secret: true },
  state_store: { type: 'string', default: 'file', pattern: /^(file|redis)$/ },
  state_dir: { type: 'string' },
  state_redis_url: { type: 'string', pattern: /^rediss?:\/\/\S+$/, secret: true },
  node_offline_after_s: { type: 'number', default: 60, min: 0.1, max: 86_400 },
  node_remove_after_s: { type: 'number', default: 3600, min: 0.1, max: 31_536_000 },
  cleanup_interval_s: { type: 'number', default: 30, min: 0.05, max: 86_400 },
  auto_finish: { type: 'bool', default: false },
  auto_finish_grace_s: { type: 'number', default: 30, min: 0, max: 86_400 },
  progress_interval_s: { type: 'number', default: 5, min: 0.05, max: 3600 },
  metrics_public: { type: 'bool', default: false },
  max_nodes: { type: 'int', default: 100_000, min: 1, max: 10_000_000 },
} as const satisfies ConfigSchema;

/** Keys of the original's computehub.toml that we do not use: warned about, not refused. */
export const HUB_IGNORED_KEYS = ['architecture', 'log_level'] as const;
