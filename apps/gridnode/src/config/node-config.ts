import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { ConfigError, ConfigSource, defaultStateDir, loadConfig } from '@gridcore/config';
import { NODE_ID_PATTERN } from '@gridcore/contracts/names';
import { HOURS_PATTERN, parseHoursWindow } from '../owner/hours';
import { DEFAULT_IDLE_EXCLUDE, DEFAULT_OWNER_POLICY, OwnerPolicy } from '../owner/owner-policy';

/** gridnode.toml keys (SPEC §8); each also comes from `GRIDNODE_<KEY>`. */
export const NODE_CONFIG_SCHEMA = {
  server_url: { type: 'string', format: { pattern: /^https?:\/\/[^\s]+$/, expected: 'an http:// or https:// URL such as http://hub:8080' } },
  token: { type: 'string', secret: true },
  node_id: { type: 'string', format: { pattern: NODE_ID_PATTERN, expected: "1 to 64 letters, digits, '.', '_' or '-'" } },
  hostname: { type: 'string' },
  parallelism: { type: 'int', min: 1, max: 4096 },
  heartbeat_interval: { type: 'int', min: 1, max: 3600, default: 30 },
  stop_timeout: { type: 'int', min: 0, max: 3600, default: 30 },
  container_memory: { type: 'int', min: 6, max: 16_777_216, default: 1024 },
  network_mode: { type: 'string' },
  docker_socket: { type: 'string', default: '/var/run/docker.sock' },
  state_dir: { type: 'string' },
  labels: { type: 'map', default: {} },
  // What the node reports of itself, for a machine that misreports it and for tests of placement (issue 21.2).
  platform: { type: 'string', format: { pattern: /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, expected: 'a platform such as linux/arm64' } },
  cpu_count: { type: 'int', min: 1, max: 1_000_000 },
  memory_total_mb: { type: 'int', min: 1, max: 1_000_000_000 },
  /** PEM file of the CA that signed an https:// hub's certificate, trusted beside the system CAs. */
  ca_file: { type: 'string' },
  pids_limit: { type: 'int', min: 32, max: 4_194_304, default: 512 },
  allowed_images: {
    type: 'string[]',
    default: [],
    items: { pattern: /^\S{1,512}$/, expected: 'image patterns such as "ghcr.io/me/*" (no spaces)' },
  },
  require_digest: { type: 'bool', default: false },
  allow_gpus: { type: 'bool', default: true },
  // The owner's policy (issue 20): how much of the machine the grid may use, and when.
  cpu_limit_percent: { type: 'int', min: 1, max: 100 },
  run_when_idle: { type: 'bool', default: false },
  idle_cpu_percent: { type: 'number', min: 1, max: 100, default: DEFAULT_OWNER_POLICY.idleCpuPercent },
  idle_after_s: { type: 'int', min: 0, max: 86_400, default: DEFAULT_OWNER_POLICY.idleAfterS },
  idle_exclude: {
    type: 'string[]',
    default: DEFAULT_IDLE_EXCLUDE,
    items: { pattern: /^[^\s/]{1,64}$/, expected: 'process names such as "dockerd" (no spaces or slashes)' },
  },
  hours: {
    type: 'string[]',
    default: [],
    items: { pattern: HOURS_PATTERN, expected: 'time windows such as "22:00-07:00" (local time, HH:MM-HH:MM, start and end differ)' },
  },
  pause_on_battery: { type: 'bool', default: false },
  max_memory_percent: { type: 'int', min: 1, max: 100 },
} as const;

export const NODE_CONFIG_SPEC = {
  appVariable: 'GRIDNODE_CONFIG',
  envPrefix: 'GRIDNODE_',
  fileNames: ['gridnode.toml', 'agent.toml'],
  schema: NODE_CONFIG_SCHEMA,
  // The original's keys we detect ourselves.
  ignoredKeys: ['architecture'],
};

/** Facts about the host the config may state (null: detect them). */
export interface ReportedFacts {
  platform: string | null;
  cpuCount: number | null;
  memoryTotalMb: number | null;
}

/** The node's configuration, resolved once at start (file + env), frozen. Also the DI token. */
export class NodeConfig {
  readonly serverUrl: string;
  readonly token: string | null;
  /** An id the user fixed in the file or env; it wins over the saved one. */
  readonly nodeId: string | null;
  readonly hostname: string;
  readonly parallelism: number | null;
  readonly heartbeatIntervalS: number;
  readonly stopTimeoutS: number;
  readonly containerMemoryMb: number;
  readonly networkMode: string | null;
  readonly dockerSocket: string;
  readonly stateDir: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Facts the config states instead of the host's (`platform`, `cpu_count`, `memory_total_mb`); absent: the host's. */
  readonly reportedFacts?: Readonly<ReportedFacts>;
  /** ca_file's PEM text, read at start; null: the system CAs only. */
  readonly hubCa?: string | null;
  /** Processes (and threads) one task container may hold. */
  readonly pidsLimit: number;
  /** Image patterns a task's image must match (none: any image). */
  readonly allowedImages: readonly string[];
  /** Refuse an image named by tag only, without `@sha256:`. */
  readonly requireDigest: boolean;
  readonly allowGpus: boolean;
  /** What the machine's owner allows (absent in older fixtures: the defaults, which limit nothing). */
  readonly owner?: OwnerPolicy;
  readonly file: string | null;
  readonly warnings: readonly string[];

  constructor(fields: Omit<NodeConfig, never>) {
    Object.assign(this, fields);
    Object.freeze(this);
  }
}

/** Reads gridnode.toml / agent.toml and GRIDNODE_* env. Throws ConfigError with one line. */
export function loadNodeConfig(source: ConfigSource): NodeConfig {
  const { values, file, warnings } = loadConfig(NODE_CONFIG_SPEC, source);
  if (!values.server_url) {
    throw new ConfigError(
      `config: server_url is required: set it in ${file ?? 'gridnode.toml'} or GRIDNODE_SERVER_URL (e.g. http://hub:8080)`,
    );
  }
  const docker = values.docker_socket ?? '/var/run/docker.sock';
  return new NodeConfig({
    serverUrl: values.server_url.replace(/\/+$/, ''),
    token: values.token ?? null,
    nodeId: values.node_id ?? null,
    hostname: values.hostname || osHostname(),
    parallelism: values.parallelism ?? null,
    heartbeatIntervalS: values.heartbeat_interval,
    stopTimeoutS: values.stop_timeout,
    containerMemoryMb: values.container_memory,
    networkMode: values.network_mode || null,
    dockerSocket: docker.replace(/^unix:\/\//, ''),
    stateDir: values.state_dir || defaultStateDir(file),
    labels: Object.freeze({ ...values.labels }),
    reportedFacts: Object.freeze({ platform: values.platform ?? null, cpuCount: values.cpu_count ?? null, memoryTotalMb: values.memory_total_mb ?? null }),
    hubCa: values.ca_file ? readCaFile(values.ca_file) : null,
    pidsLimit: values.pids_limit,
    allowedImages: Object.freeze([...values.allowed_images]),
    requireDigest: values.require_digest,
    allowGpus: values.allow_gpus,
    owner: ownerPolicy(values),
    file,
    warnings,
  });
}

type NodeValues = ReturnType<typeof loadConfig<typeof NODE_CONFIG_SCHEMA>>['values'];

/** The owner's keys as one frozen policy; a window that starts where it ends is refused, naming the key. */
function ownerPolicy(values: NodeValues): OwnerPolicy {
  const hours = values.hours.map((text) => {
    const window = parseHoursWindow(text);
    if (!window) throw new ConfigError(`config: hours must be time windows such as "22:00-07:00" whose start and end differ (got ${JSON.stringify(text)})`);
    return window;
  });
  return Object.freeze({
    cpuLimitPercent: values.cpu_limit_percent ?? null,
    runWhenIdle: values.run_when_idle,
    idleCpuPercent: values.idle_cpu_percent,
    idleAfterS: values.idle_after_s,
    idleExclude: Object.freeze([...values.idle_exclude]),
    hours: Object.freeze(hours),
    pauseOnBattery: values.pause_on_battery,
    maxMemoryPercent: values.max_memory_percent ?? null,
  });
}

/** The PEM text of `ca_file`, checked now so a wrong path is one config line, not a failed handshake later. */
function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config: ca_file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    new X509Certificate(text);
  } catch {
    throw new ConfigError(`config: ca_file ${path} is not a PEM certificate`);
  }
  return text;
}
