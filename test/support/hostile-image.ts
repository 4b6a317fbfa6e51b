import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildImage, ensureBaseImages, BASE_NODE_IMAGE } from './docker';

const ROOT = resolve(__dirname, '..', '..');
export const HOSTILE_WORKER_IMAGE = 'gridcore-test/hostile-worker:local';

function dependencyClosure(name: string, from = ROOT, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(name)) return seen;
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      seen.set(name, candidate);
      const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(pkg.dependencies ?? {})) dependencyClosure(dep, candidate, seen);
      return seen;
    }
    if (dir === ROOT || dir === dirname(dir)) throw new Error(`package ${name} not found under ${ROOT}/node_modules`);
    dir = dirname(dir);
  }
}

/** test/e2e/hostile-worker/hostile.js with ioredis, on the local base image (no registry). */
export async function ensureHostileImage(): Promise<string> {
  await ensureBaseImages();
  const ctx = mkdtempSync(join(tmpdir(), 'gridcore-hostile-'));
  cpSync(join(ROOT, 'test', 'e2e', 'hostile-worker', 'hostile.js'), join(ctx, 'app', 'hostile.js'));
  for (const [name, dir] of dependencyClosure('ioredis')) cpSync(dir, join(ctx, 'app', 'node_modules', name), { recursive: true, dereference: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${BASE_NODE_IMAGE}\nCOPY app /app\nCMD ["node", "/app/hostile.js"]\n`);
  await buildImage(HOSTILE_WORKER_IMAGE, ctx);
  return HOSTILE_WORKER_IMAGE;
}
