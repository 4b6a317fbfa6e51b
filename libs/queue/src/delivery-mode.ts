import { keySlot } from './queue-keys';

/** The parts of a Redis URL that say which server and database a connection reaches. */
export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  user: string;
}

/** Parses `redis://[user[:pass]@]host[:port][/db]` (or `rediss://`); `?db=N` also works. */
export function parseRedisUrl(url: string): RedisEndpoint {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`not a redis:// URL: ${u.protocol}`);
  const path = u.pathname.replace(/^\//, '');
  const db = Number(path || u.searchParams.get('db') || 0);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    port: Number(u.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    user: decodeURIComponent(u.username) || 'default',
  };
}

export type DeliveryMode =
  | { mode: 'exactly-once' }
  | { mode: 'at-least-once'; reason: 'different-host' | 'different-port' | 'different-db' | 'different-user' | 'cross-slot' };

export interface DeliveryInputs {
  inputUrl: string;
  outputUrl: string;
  inputQueue: string;
  outputQueue: string;
  /** The input server is a Redis Cluster. */
  cluster: boolean;
}

/**
 * SPEC §4: exactly-once when input and output are on the same server (host, port, db, user)
 * and, on a cluster, the output list shares Q's slot; at-least-once otherwise, with the reason.
 */
export function decideDeliveryMode(inputs: DeliveryInputs): DeliveryMode {
  const a = parseRedisUrl(inputs.inputUrl);
  const b = parseRedisUrl(inputs.outputUrl);
  if (a.host !== b.host) return { mode: 'at-least-once', reason: 'different-host' };
  if (a.port !== b.port) return { mode: 'at-least-once', reason: 'different-port' };
  if (a.db !== b.db) return { mode: 'at-least-once', reason: 'different-db' };
  if (a.user !== b.user) return { mode: 'at-least-once', reason: 'different-user' };
  if (inputs.cluster && keySlot(inputs.outputQueue) !== keySlot(inputs.inputQueue)) {
    return { mode: 'at-least-once', reason: 'cross-slot' };
  }
  return { mode: 'exactly-once' };
}

export interface StartupFields {
  task: string;
  node: string;
  instance: string;
  run: string;
  input: string;
  output: string;
  batch: number;
  concurrency: number;
  leaseS: number;
  batchTimeoutS: number;
  maxAttempts: number;
  mode: DeliveryMode;
}

/** The start-up line both SDKs print, byte for byte (CONTRACT.md). */
export function startupLine(f: StartupFields): string {
  const mode = f.mode.mode === 'exactly-once' ? 'mode=exactly-once' : `mode=at-least-once reason=${f.mode.reason}`;
  return (
    `gridcore-worker task=${f.task} node=${f.node} instance=${f.instance} run=${f.run} input=${f.input} ` +
    `output=${f.output} batch=${f.batch} concurrency=${f.concurrency} lease_s=${f.leaseS} ` +
    `batch_timeout_s=${f.batchTimeoutS} max_attempts=${f.maxAttempts} ${mode}`
  );
}
