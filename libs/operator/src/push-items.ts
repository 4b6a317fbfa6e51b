import type { RedisClient } from '@gridcore/queue/redis-client';

export interface PushOptions {
  /** Items per LPUSH (default 1,000). */
  batch?: number;
  /** LPUSH commands awaiting a reply at once (default 16). */
  inFlight?: number;
  /** Called after each acknowledged LPUSH with the running total. */
  onProgress?: (pushed: number) => void;
}

export interface PushResult {
  pushed: number;
  ms: number;
}

/**
 * LPUSHes every item of `source` to `queue`, `batch` items per command with several commands
 * in flight (one round trip per `inFlight` commands, not per item). Items are pushed in source
 * order, so workers, which take from the right, take them oldest first. `source` may yield
 * single items or arrays of items (the fast path: {@link readLines} yields arrays).
 *
 * An error of any command rejects the whole push; items of commands acknowledged before it stay
 * in the queue (the count of those is in the error's `pushed`).
 */
export async function pushItems(
  client: RedisClient,
  queue: string,
  source: AsyncIterable<string | readonly string[]> | Iterable<string | readonly string[]>,
  options: PushOptions = {},
): Promise<PushResult> {
  const started = Date.now();
  const batch = Math.max(1, Math.min(options.batch ?? 1000, 100_000));
  const limit = Math.max(1, options.inFlight ?? 16);
  let pushed = 0;
  let failure: unknown = null;
  const pending = new Set<Promise<void>>();
  let buffer: string[] = [];

  const send = async (items: string[]): Promise<void> => {
    const p = client.lpush(queue, ...items).then(
      () => {
        pushed += items.length;
        options.onProgress?.(pushed);
      },
      (err: unknown) => {
        failure ??= err;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= limit) await Promise.race(pending);
    if (failure) throw withCount(failure, pushed);
  };

  for await (const chunk of source as AsyncIterable<string | readonly string[]>) {
    if (typeof chunk === 'string') {
      buffer.push(chunk);
      if (buffer.length >= batch) {
        const items = buffer;
        buffer = [];
        await send(items);
      }
      continue;
    }
    let from = 0;
    // Fill the buffer to a whole batch, then send straight slices of the chunk.
    if (buffer.length > 0) {
      from = Math.min(chunk.length, batch - buffer.length);
      for (let i = 0; i < from; i++) buffer.push(chunk[i]);
      if (buffer.length >= batch) {
        const items = buffer;
        buffer = [];
        await send(items);
      }
    }
    while (chunk.length - from >= batch) {
      await send(chunk.slice(from, from + batch));
      from += batch;
    }
    for (let i = from; i < chunk.length; i++) buffer.push(chunk[i]);
  }
  if (buffer.length > 0) await send(buffer);
  await Promise.all(pending);
  if (failure) throw withCount(failure, pushed);
  return { pushed, ms: Date.now() - started };
}

function withCount(err: unknown, pushed: number): unknown {
  if (err && typeof err === 'object') (err as { pushed?: number }).pushed = pushed;
  return err;
}

/**
 * The Redis server's clock (`TIME`), ms: the clock the hub's progress samples carry, so a push's
 * end and a sample's time compare without trusting this machine's clock. Asked through a script
 * naming `key`, so on a Cluster the node owning the queue answers (its samples come from there).
 */
export async function redisTimeMs(client: RedisClient, key: string): Promise<number> {
  const [seconds, micros] = (await client.eval("return redis.call('TIME')", 1, key)) as [number | string, number | string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
