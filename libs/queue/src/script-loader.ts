import { createHash } from 'node:crypto';
import { ScriptNotLoadedError } from './errors/script-not-loaded.error';
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

/** A reply saying this connection's user lacks the permission (ACL). */
function isNoPerm(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOPERM');
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

export interface ScriptRunnerOptions {
  /** How long a user that may not load scripts waits for them to appear before giving up (ms). */
  scriptWaitMs?: number;
}

/**
 * Calls scripts by SHA. A NOSCRIPT reply (a restarted or new server) means the script did not
 * run, so it is sent once more with EVAL, which also caches it on that server. A user scoped to
 * one task may not EVAL: it waits for the hub to load the script and tries EVALSHA again.
 */
export class ScriptRunner {
  private readonly scripts: Map<string, QueueScript>;
  /** scripts/manifest.json of the same folder: key roles, argument names, reply fields. */
  readonly protocol: Protocol;
  private readonly scriptWaitMs: number;
  /** Set once Redis refused EVAL or SCRIPT LOAD to this user: from then on only EVALSHA is tried. */
  private mayNotLoad = false;

  constructor(dir = scriptsDir(), options: ScriptRunnerOptions = {}) {
    this.scripts = loadScripts(dir);
    this.protocol = loadProtocol(dir);
    this.scriptWaitMs = options.scriptWaitMs ?? 30_000;
  }

  script(name: string): QueueScript {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`unknown queue script ${name}`);
    return script;
  }

  /**
   * SCRIPT LOAD of every script on `client` (every master of a cluster). A user refused SCRIPT
   * (scoped to one task) skips it: the hub loads the scripts with its own credentials.
   */
  async preload(client: RedisClient): Promise<void> {
    const targets = isCluster(client) ? client.nodes('master') : [client];
    for (const target of targets) {
      for (const script of this.scripts.values()) {
        try {
          await target.script('LOAD', script.source);
        } catch (err) {
          if (!isNoPerm(err)) throw err;
          this.mayNotLoad = true;
          return;
        }
      }
    }
  }

  async run(client: RedisClient, name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const script = this.script(name);
    if (keys.length !== script.numKeys) throw new Error(`${name} wants ${script.numKeys} keys, got ${keys.length}`);
    try {
      return await client.evalsha(script.sha, script.numKeys, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
    }
    if (!this.mayNotLoad) {
      try {
        return await client.eval(script.source, script.numKeys, ...keys, ...args);
      } catch (err) {
        if (!isNoPerm(err)) throw err;
        this.mayNotLoad = true;
      }
    }
    return this.whenLoaded(client, script, keys, args);
  }

  /** EVALSHA again, with backoff, until the script is there or `scriptWaitMs` has passed. */
  private async whenLoaded(client: RedisClient, script: QueueScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const started = Date.now();
    for (let delay = 200; Date.now() - started < this.scriptWaitMs; delay = Math.min(delay * 2, 2000)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        return await client.evalsha(script.sha, script.numKeys, ...keys, ...args);
      } catch (err) {
        if (!isNoScript(err)) throw err;
      }
    }
    throw new ScriptNotLoadedError(script.name, Date.now() - started);
  }
}
