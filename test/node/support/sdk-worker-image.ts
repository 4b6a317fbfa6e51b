import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';
import { buildImage, ensureBaseImages, BASE_NODE_IMAGE } from '../../support/docker';
import { packSdks } from '../../support/sdk-workers';

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
 * the local base image without npm or a registry: the packed npm package (`npm run pack:sdk`)
 * unpacked into node_modules/@gridcore/worker, ioredis with its dependencies copied from this
 * checkout's node_modules, and the example's worker.ts as plain JavaScript.
 */
export async function ensureSdkWorkerImage(): Promise<string> {
  await ensureBaseImages();
  const { tgz } = await packSdks();
  const ctx = mkdtempSync(join(tmpdir(), 'gridcore-sdk-worker-'));
  const app = join(ctx, 'app');
  const sdk = join(app, 'node_modules', '@gridcore', 'worker');
  mkdirSync(sdk, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', sdk, '--strip-components=1'], { stdio: 'pipe', timeout: 60_000 });
  const source = readFileSync(join(ROOT, 'examples', 'node-worker', 'worker.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  writeFileSync(join(app, 'worker.js'), js.outputText);
  for (const [name, dir] of dependencyClosure('ioredis')) cpSync(dir, join(app, 'node_modules', name), { recursive: true, dereference: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${BASE_NODE_IMAGE}\nCOPY app /app\nCMD ["node", "/app/worker.js"]\n`);
  await buildImage(SDK_WORKER_IMAGE, ctx);
  rmSync(ctx, { recursive: true, force: true });
  return SDK_WORKER_IMAGE;
}
