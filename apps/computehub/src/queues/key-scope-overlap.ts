import { RedisServerIdentity, sameRedisServer } from '@gridcore/queue';
import { KeyScope, taskKeyScopes } from './scoped-user-spec';

/** A task's key scopes, each on the server that holds it. */
export interface ServerKeyScope {
  server: RedisServerIdentity;
  scope: KeyScope;
}

/** Same host and port: one server, whatever db or user the URLs name. */
export function sameKeyspace(a: RedisServerIdentity, b: RedisServerIdentity): boolean {
  return a.port === b.port && a.addresses.some((x) => b.addresses.includes(x));
}

function keyInScope(key: string, scope: KeyScope): boolean {
  return scope.exact.includes(key) || scope.prefixes.some((p) => key.startsWith(p));
}

/** Whether some key matches both scopes. */
export function scopesMeet(a: KeyScope, b: KeyScope): boolean {
  if (a.exact.some((k) => keyInScope(k, b)) || b.exact.some((k) => keyInScope(k, a))) return true;
  return a.prefixes.some((p) => b.prefixes.some((q) => p.startsWith(q) || q.startsWith(p)));
}

function sameScope(a: KeyScope, b: KeyScope): boolean {
  const same = (x: string[], y: string[]) => x.length === y.length && [...x].sort().every((v, i) => v === [...y].sort()[i]);
  return same(a.exact, b.exact) && same(a.prefixes, b.prefixes);
}

/**
 * A key both tasks' scoped users could reach, unless the two scopes are the same keys (the same
 * queues reused run after run, as the seed's workflow does). Null when they never meet.
 */
export function overlapBetween(a: ServerKeyScope[], b: ServerKeyScope[]): string | null {
  for (const x of a) {
    for (const y of b) {
      // The same server, db and operator user (SPEC §4's rule for queue prefixes): a scoped user of a
      // db-0 task cannot SELECT, so it never reaches another db's keys.
      if (!sameRedisServer(x.server, y.server) || !scopesMeet(x.scope, y.scope) || sameScope(x.scope, y.scope)) continue;
      const shared = [...x.scope.exact.filter((k) => keyInScope(k, y.scope)), ...y.scope.exact.filter((k) => keyInScope(k, x.scope))];
      return shared[0] ?? `${x.scope.prefixes.join(', ')}* and ${y.scope.prefixes.join(', ')}*`;
    }
  }
  return null;
}

/** The scopes of a task with an input queue, or none (a task the hub cannot see has no users). */
export function serverScopesOf(
  task: { input_redis: string | null; output_redis: string | null; input_queue: string | null; output_queue: string | null },
  identify: (url: string) => RedisServerIdentity | null,
): ServerKeyScope[] {
  if (!task.input_redis || !task.input_queue) return [];
  const input = identify(task.input_redis);
  if (!input) return [];
  const outputUrl = task.output_redis ?? task.input_redis;
  const output = identify(outputUrl);
  const together = !output || sameKeyspace(input, output);
  const scopes = taskKeyScopes(task.input_queue, task.output_queue, together);
  return [{ server: input, scope: scopes.input }, ...(scopes.output && output ? [{ server: output, scope: scopes.output }] : [])];
}
