import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildImage, ensureBaseImages, BASE_NODE_IMAGE } from '../../support/docker';

const ROOT = resolve(__dirname, '..', '..', '..');
export const SDK_WORKER_IMAGE = 'gridcore-test/sdk-worker:local';

/** The package folders `name` needs at run time (its dependencies, transitively). */
function dependencyClosure(name: string, from = ROOT, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(name)) return seen;
  let dir = from;
  let pkgDir: string | null = null;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      pkgDir = candidate;
      break;
    }
    if (dir === ROOT || dir === dirname(dir)) break;
    dir = dirname(dir);
  }
  if (!pkgDir) throw new Error(`package ${name} not found under ${ROOT}/node_modules`);
  seen.set(name, pkgDir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) dependencyClosure(dep, pkgDir, seen);
  return seen;
}

/**
 * The reference sqrt worker of examples/node-worker on the TypeScript SDK, as an image built from
 * the local base image (no registry): compiled with tsc, the queue's Lua scripts beside it, and
 * ioredis with its dependencies copied from this checkout's node_modules.
 */
export async function ensureSdkWorkerImage(): Promise<string> {
  await ensureBaseImages();
  const ctx = mkdtempSync(join(tmpdir(), 'gridcore-sdk-worker-'));
  const app = join(ctx, 'app');
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir', app, '--rootDir', ROOT, '--module', 'commonjs', '--target', 'es2022', '--esModuleInterop',
      '--skipLibCheck', '--types', 'node', '--sourceMap', 'false', join(ROOT, 'examples', 'node-worker', 'worker.ts'),
    ],
    { cwd: ROOT, stdio: 'pipe', timeout: 120_000 },
  );
  cpSync(join(ROOT, 'libs', 'queue', 'src', 'scripts'), join(app, 'libs', 'queue', 'src', 'scripts'), { recursive: true });
  for (const [name, dir] of dependencyClosure('ioredis')) cpSync(dir, join(app, 'node_modules', name), { recursive: true, dereference: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${BASE_NODE_IMAGE}\nCOPY app /app\nCMD ["node", "/app/examples/node-worker/worker.js"]\n`);
  await buildImage(SDK_WORKER_IMAGE, ctx);
  return SDK_WORKER_IMAGE;
}
