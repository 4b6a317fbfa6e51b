import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { ConfigError, ConfigSource, defaultStateDir, loadConfig } from '@gridcore/config';
import { NODE_ID_PATTERN } from '@gridcore/contracts/names';

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
} as const;

export const NODE_CONFIG_SPEC = {
  appVariable: 'GRIDNODE_CONFIG',
  envPrefix: 'GRIDNODE_',
  fileNames: ['gridnode.toml', 'agent.toml'],
  schema: NODE_CONFIG_SCHEMA,
  // The original's keys we detect ourselves.
  ignoredKeys: ['architecture'],
};

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
  /** ca_file's PEM text, read at start; null: the system CAs only. */
  readonly hubCa?: string | null;
  /** Processes (and threads) one task container may hold. */
  readonly pidsLimit: number;
  /** Image patterns a task's image must match (none: any image). */
  readonly allowedImages: readonly string[];
  /** Refuse an image named by tag only, without `@sha256:`. */
  readonly requireDigest: boolean;
  readonly allowGpus: boolean;
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
    hubCa: values.ca_file ? readCaFile(values.ca_file) : null,
    pidsLimit: values.pids_limit,
    allowedImages: Object.freeze([...values.allowed_images]),
    requireDigest: values.require_digest,
    allowGpus: values.allow_gpus,
    file,
    warnings,
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
