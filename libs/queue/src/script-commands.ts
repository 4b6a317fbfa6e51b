import { loadScripts } from './script-loader';
import { scriptsDir } from './scripts-dir';

/** `redis.call('X'`, `redis.pcall('X'`, and the `read(E_..., 'X'` helper of includes/common.lua. */
const LITERAL_CALL = /redis\.p?call\(\s*'([A-Za-z]+)'/g;
const READ_HELPER = /\bread\(\s*E_[A-Z_]+\s*,\s*'([A-Za-z]+)'/g;
/** A call whose command is not a literal: only `read`'s own `redis.pcall(cmd, ...)` is allowed. */
const ANY_CALL = /redis\.p?call\(\s*([^'\s)][^,)]*)/g;

/**
 * Every Redis command the protocol's scripts call, upper case and sorted. Redis checks each
 * `redis.call` against the caller's ACL, so a user scoped to one task needs exactly these (and
 * the commands its client sends itself). Throws when a script calls a command that cannot be read
 * off its text, so a new script cannot silently need a command no scoped user has.
 */
export function scriptRedisCommands(dir = scriptsDir()): string[] {
  const found = new Set<string>();
  for (const script of loadScripts(dir).values()) {
    for (const m of script.source.matchAll(LITERAL_CALL)) found.add(m[1].toUpperCase());
    for (const m of script.source.matchAll(READ_HELPER)) found.add(m[1].toUpperCase());
    for (const m of script.source.matchAll(ANY_CALL)) {
      if (m[1].trim() !== 'cmd') throw new Error(`script ${script.name} calls a command that is not a literal (${m[1].trim()}); name it so scoped users can be given it`);
    }
  }
  return [...found].sort();
}
