import type Redis from 'ioredis';
import { QueueKeys } from '@gridcore/queue';

/** Every key of a queue that must be empty once a task is done and its workers are gone. */
export async function leftovers(client: Redis, queue: string) {
  const k = new QueueKeys(queue);
  const batchKeys: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${k.batchPrefix}*`, 'COUNT', 1000);
    cursor = next;
    batchKeys.push(...keys);
  } while (cursor !== '0');
  const [input, retry, leases, taken, dead] = await Promise.all([
    client.llen(k.input),
    client.llen(k.retry),
    client.zcard(k.leases),
    client.hlen(k.taken),
    client.lrange(k.dead, 0, -1),
  ]);
  return { input, retry, leases, taken, batchKeys, dead };
}

/**
 * Checks `n:sqrt(n)` results against the inputs `1..count` (minus `except`), numerically (the
 * original consumer writes `4.0:2.0`). Returns what is wrong: missing, duplicated, unexpected or
 * incorrect items, each as a count with a few examples.
 */
export function checkSqrtResults(results: string[], count: number, except: Set<string> = new Set()) {
  const seen = new Map<number, number>();
  const wrong: string[] = [];
  const unexpected: string[] = [];
  for (const r of results) {
    const colon = r.indexOf(':');
    const n = Number(r.slice(0, colon));
    const root = Number(r.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(n) || n < 1 || n > count || except.has(String(n))) {
      unexpected.push(r);
      continue;
    }
    if (Math.abs(root - Math.sqrt(n)) > 1e-9 * Math.max(1, root)) wrong.push(r);
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const missing: number[] = [];
  const duplicated: number[] = [];
  for (let n = 1; n <= count; n++) {
    if (except.has(String(n))) continue;
    const c = seen.get(n) ?? 0;
    if (c === 0) missing.push(n);
    else if (c > 1) duplicated.push(n);
  }
  return {
    distinct: seen.size,
    missing: missing.length,
    duplicated: duplicated.length,
    unexpected: unexpected.length,
    wrong: wrong.length,
    examples: { missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5), unexpected: unexpected.slice(0, 5), wrong: wrong.slice(0, 5) },
  };
}

export function range(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1));
}
