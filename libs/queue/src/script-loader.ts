import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProtocol, Protocol } from './protocol';
import { isCluster, RedisClient } from './redis-client';
import { scriptsDir } from './scripts-dir';

export { scriptsDir } from './scripts-dir';

/** A Lua script of scripts/, with its includes pasted in, as both SDKs build it. */
export interface QueueScript {
  name: string;
  numKeys: number;
  source: string;
  sha: string;
}

const FILE = /^([a-z-]+)-(\d+)\.lua$/;
const INCLUDE = /^-- @include ([a-z-]+)[ \t]*$/gm;

/** Pastes `-- @include name` lines from includes/name.lua; the same rule as the Python SDK. */
export function expandIncludes(source: string, dir: string): string {
  return source.replace(INCLUDE, (_line, name: string) => readFileSync(join(dir, 'includes', `${name}.lua`), 'utf8'));
}

let cache: { dir: string; scripts: Map<string, QueueScript> } | undefined;

/** Reads every script once per process. */
export function loadScripts(dir = scriptsDir()): Map<string, QueueScript> {
  if (cache?.dir === dir) return cache.scripts;
  const scripts = new Map<string, QueueScript>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE.exec(file);
    if (!match) continue;
    const source = expandIncludes(readFileSync(join(dir, file), 'utf8'), dir);
    const sha = createHash('sha1').update(source).digest('hex');
    scripts.set(match[1], { name: match[1], numKeys: Number(match[2]), source, sha });
  }
  cache = { dir, scripts };
  return scripts;
}

/**
 * Calls scripts by SHA. A NOSCRIPT reply (a restarted or new server) means the script did not
 * run, so it is sent once more with EVAL, which also caches it on that server.
 */
export class ScriptRunner {
  private readonly scripts: Map<string, QueueScript>;
  /** scripts/manifest.json of the same folder: key roles, argument names, reply fields. */
  readonly protocol: Protocol;

  constructor(dir = scriptsDir()) {
    this.scripts = loadScripts(dir);
    this.protocol = loadProtocol(dir);
  }

  script(name: string): QueueScript {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`unknown queue script ${name}`);
    return script;
  }

  /** SCRIPT LOAD of every script on `client` (every master of a cluster). */
  async preload(client: RedisClient): Promise<void> {
    const targets = isCluster(client) ? client.nodes('master') : [client];
    for (const target of targets) {
      for (const script of this.scripts.values()) await target.script('LOAD', script.source);
    }
  }

  async run(client: RedisClient, name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const script = this.script(name);
    if (keys.length !== script.numKeys) throw new Error(`${name} wants ${script.numKeys} keys, got ${keys.length}`);
    try {
      return await client.evalsha(script.sha, script.numKeys, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(script.source, script.numKeys, ...keys, ...args);
    }
  }
}
