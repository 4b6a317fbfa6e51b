import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the .lua files are: `GRIDCORE_SCRIPTS_DIR`, else `scripts/` beside this module (a build
 * may copy them there), else the first `libs/queue/src/scripts` found walking up from this
 * module (the source tree, and a Nest build such as
 * dist/apps/<app>/libs/queue/src/script-loader.js inside the repo).
 */
export function scriptsDir(from: string = __dirname, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.GRIDCORE_SCRIPTS_DIR, join(from, 'scripts')].filter((d): d is string => !!d);
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'libs', 'queue', 'src', 'scripts'));
    if (dirname(dir) === dir) break;
  }
  const found = candidates.find((d) => existsSync(join(d, 'take-10.lua')));
  if (!found) {
    throw new Error(`queue scripts not found (looked in ${candidates[0]}, ${candidates[1]} and libs/queue/src/scripts above ${from}); set GRIDCORE_SCRIPTS_DIR`);
  }
  return found;
}
