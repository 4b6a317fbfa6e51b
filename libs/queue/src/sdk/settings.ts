import { randomBytes, X509Certificate } from 'node:crypto';
import { QUEUE_DEFAULTS, QueueConfig } from '../queue-defaults';
import { queuePrefix } from '../queue-keys';

/** What a worker process needs, resolved once from env and options (CONTRACT.md lists the names). */
export interface WorkerSettings {
  task: string;
  nodeId: string;
  instance: string;
  runId: string;
  inputUrl: string;
  outputUrl: string;
  inputQueue: string;
  outputQueue: string;
  /** REDIS_TLS_CA: a CA (PEM) trusted beside the system CAs for rediss:// URLs. */
  tlsCa?: string;
  batch: number;
  concurrency: number;
  blockS: number;
  idleExitS: number;
  /** From MAX_ATTEMPTS / BATCH_TIMEOUT_S / LEASE_S; P:config wins over them. */
  envConfig: Partial<QueueConfig>;
}

/** Options of runWorker; the matching env variables win, so an operator can tune a built image. */
export interface WorkerOptions {
  /** Items per batch, 1..1000 (env GRIDCORE_BATCH; default 100). */
  batch?: number;
  /** Batches handled at once by one process (env GRIDCORE_CONCURRENCY; default 1). */
  concurrency?: number;
  /** Block time of the waiting path in seconds (env GRIDCORE_BLOCK_S; default 5). */
  blockS?: number;
  /** Exit 0 after input and retry were empty this long (env GRIDCORE_IDLE_EXIT_S; default 30). */
  idleExitS?: number;
}

const ID = /^[A-Za-z0-9._-]{1,128}$/;

export class WorkerSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`gridcore-worker: bad settings: ${problems.join('; ')}`);
  }
}

export function resolveWorkerSettings(env: NodeJS.ProcessEnv, options: WorkerOptions = {}): WorkerSettings {
  const problems: string[] = [];
  const text = (name: string) => (env[name] ?? '').trim() || undefined;
  const num = (name: string, option: number | undefined, dflt: number, min: number, max: number, integer: boolean): number => {
    const raw = text(name);
    const value = raw !== undefined ? Number(raw) : (option ?? dflt);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      problems.push(`${name}=${raw ?? value} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}`);
      return dflt;
    }
    return value;
  };
  const id = (name: string, made: () => string): string => {
    const v = text(name) ?? made();
    if (!ID.test(v)) problems.push(`${name}=${v} must match [A-Za-z0-9._-]{1,128}`);
    return v;
  };
  const hex = () => randomBytes(6).toString('hex');
  const inputUrl = text('INPUT_REDIS_URL');
  const inputQueue = text('INPUT_QUEUE');
  const outputQueue = text('OUTPUT_QUEUE');
  if (!inputUrl) problems.push('INPUT_REDIS_URL is not set');
  if (!inputQueue) problems.push('INPUT_QUEUE is not set');
  if (!outputQueue) problems.push('OUTPUT_QUEUE is not set');
  if (inputQueue) {
    try {
      queuePrefix(inputQueue);
    } catch (err) {
      problems.push(`INPUT_QUEUE: ${(err as Error).message}`);
    }
  }
  const tlsCa = text('REDIS_TLS_CA');
  if (tlsCa && !isPemCertificate(tlsCa)) problems.push('REDIS_TLS_CA is not a PEM certificate');
  const optional = (name: string, min: number, max: number): number | undefined =>
    text(name) === undefined ? undefined : num(name, undefined, 1, min, max, true);
  const settings: WorkerSettings = {
    task: text('TASK_NAME') ?? '-',
    nodeId: id('NODE_ID', () => `local-${hex()}`),
    instance: id('INSTANCE_ID', () => String(Math.floor(Math.random() * 1_000_000))),
    runId: id('RUN_ID', hex),
    inputUrl: inputUrl ?? '',
    outputUrl: text('OUTPUT_REDIS_URL') ?? inputUrl ?? '',
    inputQueue: inputQueue ?? '',
    outputQueue: outputQueue ?? '',
    tlsCa,
    batch: num('GRIDCORE_BATCH', options.batch, QUEUE_DEFAULTS.batchSize, 1, QUEUE_DEFAULTS.maxBatchSize, true),
    concurrency: num('GRIDCORE_CONCURRENCY', options.concurrency, 1, 1, 64, true),
    blockS: num('GRIDCORE_BLOCK_S', options.blockS, QUEUE_DEFAULTS.blockS, 0.1, 300, false),
    idleExitS: num('GRIDCORE_IDLE_EXIT_S', options.idleExitS, QUEUE_DEFAULTS.idleExitS, 0, 86_400, false),
    envConfig: {
      maxAttempts: optional('MAX_ATTEMPTS', 1, 1000),
      batchTimeoutS: optional('BATCH_TIMEOUT_S', 1, 604_800),
      leaseS: optional('LEASE_S', 1, 86_400),
    },
  };
  if (problems.length > 0) throw new WorkerSettingsError(problems);
  return Object.freeze(settings);
}

function isPemCertificate(text: string): boolean {
  try {
    new X509Certificate(text);
    return true;
  } catch {
    return false;
  }
}
