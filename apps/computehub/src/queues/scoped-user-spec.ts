import { createHash, randomBytes } from 'node:crypto';
import { queuePrefix, scriptRedisCommands } from '@gridcore/queue';

/**
 * What the clients themselves send, beside the scripts' commands: the SDKs' EVALSHA, BLMOVE (the
 * waiting path), HMGET of P:config, LPUSH of at-least-once output, CLIENT ID/UNBLOCK (ending a
 * BLMOVE) and INFO (cluster detection, ioredis's ready check); the original consumer's
 * BRPOP/BLPOP + LPUSH; and what ioredis and redis-py send on connect (AUTH, HELLO, CLIENT
 * SETNAME/SETINFO, PING; SELECT only for a task on another db than 0, see scopedUserCommands). Never EVAL or SCRIPT: a script of the worker's own could block Redis.
 */
export const CLIENT_COMMANDS = [
  'AUTH',
  'HELLO',
  'PING',
  'QUIT',
  'INFO',
  'CLIENT|ID',
  'CLIENT|UNBLOCK',
  'CLIENT|SETNAME',
  'CLIENT|GETNAME',
  'CLIENT|SETINFO',
  'EVALSHA',
  'BLMOVE',
  'BRPOP',
  'BLPOP',
  'RPOP',
  'LPOP',
  'LPUSH',
  'RPUSH',
  'LLEN',
  'HMGET',
] as const;

/** Newer than some servers (CLIENT SETINFO came with Redis 7.2): left out where the server does not know them. */
export const OPTIONAL_COMMANDS = ['CLIENT|SETINFO'];

/**
 * After ACL SETUSER answered `Unknown command ... modifier '+x'`: the rules without `+x` when x is
 * an optional command (a client sends it only to servers that know it), else null.
 */
export function rulesWithoutUnknownOptional(rules: string[], error: string): string[] | null {
  const m = /modifier '\+([^']+)'/.exec(error);
  if (!m || !/Unknown command/i.test(error) || !OPTIONAL_COMMANDS.includes(m[1].toUpperCase())) return null;
  return rules.filter((r) => r !== `+${m[1]}`);
}

/** Commands a scoped user never gets, whatever a script or client list might say. */
export const FORBIDDEN_COMMANDS = ['EVAL', 'EVAL_RO', 'SCRIPT', 'FUNCTION', 'FCALL', 'FLUSHALL', 'FLUSHDB', 'KEYS', 'SCAN', 'CONFIG', 'ACL', 'MONITOR', 'DEBUG', 'SHUTDOWN', 'MODULE'];

let commandsCache: string[] | undefined;

/**
 * The scripts' commands plus the clients' own, sorted; checked against the forbidden list. SELECT
 * only for a task on a db other than 0 (clients send it only then): a user without it stays in db 0.
 */
export function scopedUserCommands(options: { select?: boolean } = {}): string[] {
  if (!commandsCache) {
    const all = [...new Set([...scriptRedisCommands(), ...CLIENT_COMMANDS])].sort();
    const bad = all.filter((c) => FORBIDDEN_COMMANDS.includes(c.split('|')[0]));
    if (bad.length > 0) throw new Error(`scoped Redis users must not get ${bad.join(', ')}`);
    commandsCache = all;
  }
  return options.select ? [...commandsCache, 'SELECT'].sort() : commandsCache;
}

/** A key as an ACL pattern matching only itself (`*`, `?`, `[`, `]` and `\` are glob syntax). */
export function escapeAclPattern(key: string): string {
  return key.replace(/[*?[\]\\]/g, '\\$&');
}

/** The keys of one task on one Redis server: whole names, and prefixes every key under which counts. */
export interface KeyScope {
  exact: string[];
  prefixes: string[];
}

/**
 * The task's keys on its input server (Q, `P:*` of SPEC §4, and the output list when it lives on
 * the same server) and, when the output is elsewhere, the output list alone on that server.
 */
export function taskKeyScopes(inputQueue: string, outputQueue: string | null, outputOnInputServer: boolean): { input: KeyScope; output: KeyScope | null } {
  const prefix = `${queuePrefix(inputQueue)}:`;
  const input: KeyScope = { exact: [inputQueue], prefixes: [prefix] };
  if (!outputQueue) return { input, output: null };
  if (outputOnInputServer) {
    if (outputQueue !== inputQueue) input.exact.push(outputQueue);
    return { input, output: null };
  }
  return { input, output: { exact: [outputQueue], prefixes: [] } };
}

/** ACL SETUSER rules for a scope; idempotent (no `reset`), so re-applying never cuts connections. */
export function aclRules(scope: KeyScope, passwordSha256: string, commands = scopedUserCommands()): string[] {
  return [
    'on',
    `#${passwordSha256}`,
    'resetkeys',
    ...scope.exact.map((k) => `~${escapeAclPattern(k)}`),
    ...scope.prefixes.map((p) => `~${escapeAclPattern(p)}*`),
    'resetchannels',
    '-@all',
    ...commands.map((c) => `+${c.toLowerCase()}`),
  ];
}

/** Every scoped user's name starts so; the rest names the task run and the node. */
export const SCOPED_USER_PREFIX = 'gridcore-';

export function scopedUserName(runId: string, nodeId: string): string {
  return `${SCOPED_USER_PREFIX}${runId}-${nodeId}`;
}

export function newPassword(): { password: string; sha256: string } {
  const password = randomBytes(24).toString('base64url');
  return { password, sha256: createHash('sha256').update(password).digest('hex') };
}

/** `url` with its user and password replaced; the scheme (redis:// or rediss://), host, port and db kept. */
export function urlWithUser(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
