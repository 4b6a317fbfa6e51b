import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as ts from 'typescript';
import { BASE_NODE_IMAGE, BASE_PYTHON_IMAGE, buildImage, requireDocker } from '../../support/docker';
import { packSdks } from '../../support/sdk-workers';
import type { Sdk } from './worker-process';

const ROOT = resolve(__dirname, '..', '..', '..');

/** The conformance suite's test workers on the SDKs installed from their packed artefacts. */
export const INSTALLED_SDK_IMAGES: Record<Sdk, string> = {
  ts: 'gridcore-test/installed-ts-worker:local',
  py: 'gridcore-test/installed-py-worker:local',
};

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-20).join('\n')}`));
    });
  });
}

let images: Promise<Record<Sdk, string>> | undefined;

/**
 * Builds the two images the installed-package conformance cases run: a local base image (no
 * registry; scripts/images/build-base-images.sh) with nothing of this checkout but the packed
 * artefact, installed as a user would (`npm install` of the tarball, which fetches ioredis;
 * `pip install --no-deps` of the wheel, the base's redis-py having no metadata), and the test worker
 * (test/queue/workers), which imports the SDK by its package name. Once per test process; an image
 * whose inputs did not change is kept (buildImage's content hash).
 */
export function ensureInstalledSdkImages(): Promise<Record<Sdk, string>> {
  images ??= build().catch((error: unknown) => {
    images = undefined;
    throw error;
  });
  return images;
}

async function build(): Promise<Record<Sdk, string>> {
  await requireDocker();
  await run('bash', [join(ROOT, 'scripts', 'images', 'build-base-images.sh'), 'node', 'python'], 10 * 60_000);
  const { tgz, whl } = await packSdks();
  const ctx = mkdtempSync(join(tmpdir(), 'gridcore-installed-sdks-'));
  try {
    const tsCtx = join(ctx, 'ts');
    const pyCtx = join(ctx, 'py');
    writeContext(tsCtx, {
      [basename(tgz)]: readFileSync(tgz),
      'test-worker.js': transpile(join(ROOT, 'test/queue/workers/test-worker.ts')),
      Dockerfile: [
        `FROM ${BASE_NODE_IMAGE}`,
        '# Dockerfile keeps the COPY valid without a .build-context folder (the proxy CA, buildImage).',
        'COPY Dockerfile .build-context* /tmp/build-context/',
        `COPY ${basename(tgz)} /tmp/sdk/`,
        'WORKDIR /app',
        'RUN if [ -s /tmp/build-context/ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/build-context/ca.pem; fi; \\',
        `    npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund --no-update-notifier --loglevel=warn /tmp/sdk/${basename(tgz)} \\`,
        ' && rm -rf /root/.npm /tmp/sdk',
        'COPY test-worker.js /app/',
        'USER 65534',
        'CMD ["node", "/app/test-worker.js"]',
      ].join('\n'),
    });
    writeContext(pyCtx, {
      [basename(whl)]: readFileSync(whl),
      'test_worker.py': readFileSync(join(ROOT, 'test/queue/workers/test_worker.py')),
      Dockerfile: [
        `FROM ${BASE_PYTHON_IMAGE}`,
        `COPY ${basename(whl)} /tmp/sdk/`,
        `RUN python3 -m pip install --no-cache-dir --disable-pip-version-check --no-index --no-deps /tmp/sdk/${basename(whl)} && rm -rf /tmp/sdk`,
        'COPY test_worker.py /app/',
        'WORKDIR /app',
        'USER 65534',
        'CMD ["python3", "/app/test_worker.py"]',
      ].join('\n'),
    });
    const [tsImage, pyImage] = await Promise.all([buildImage(INSTALLED_SDK_IMAGES.ts, tsCtx), buildImage(INSTALLED_SDK_IMAGES.py, pyCtx)]);
    return { ts: tsImage.tag, py: pyImage.tag };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

function writeContext(dir: string, files: Record<string, string | Buffer>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

/** A worker's TypeScript as plain CommonJS (its `@gridcore/worker` import stays a package import). */
function transpile(file: string): string {
  const out = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: file,
  });
  return out.outputText;
}

/** What an installed-package image holds, as the conformance suite checks it. */
export interface InstalledSdk {
  /** Where the package's code was loaded from, and whether that is inside the app folder (it must not be). */
  packageDir: string;
  /** The scripts folder the SDK found: its own package data, never the repository's. */
  scriptsInPackage: boolean;
  /** The package's declared runtime dependencies. */
  dependencies: string[];
  /** SHA1 of each script as the installed SDK builds it (includes pasted in). */
  shas?: Record<string, string>;
  /** The SDK's entry points a worker imports; none of the hub's side of libs/queue. */
  exported: string[];
}

const TS_PROBE = `
const fs = require('fs');
const path = require('path');
const w = require('@gridcore/worker');
const entry = require.resolve('@gridcore/worker');
const pkg = require('@gridcore/worker/package.json');
const names = ['runWorker', 'Worker', 'resolveWorkerSettings', 'WorkerSettingsError', 'QueueError', 'Protocol', 'loadProtocol', 'QueueAdmin', 'WorkQueue'];
const root = path.dirname(require.resolve('@gridcore/worker/package.json'));
console.log(JSON.stringify({
  packageDir: root,
  scriptsInPackage: w.scriptsDir().startsWith(root + '/') && fs.existsSync(path.join(w.scriptsDir(), 'manifest.json')) && entry.startsWith(root + '/'),
  dependencies: Object.keys(pkg.dependencies || {}),
  exported: names.filter((n) => n in w),
}));
`;

const PY_PROBE = `
import json, os, re
from importlib import metadata
import gridcore_worker as g
root = os.path.dirname(g.__file__)
print(json.dumps({
    "packageDir": root,
    "scriptsInPackage": g.scripts_dir() == os.path.join(root, "scripts") and os.path.exists(os.path.join(root, "scripts", "manifest.json")),
    "dependencies": [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in (metadata.requires("gridcore-worker") or [])],
    "shas": {k: s[2] for k, s in g.load_scripts().items()},
    "exported": [n for n in ("run_worker", "Worker", "resolve_settings", "SettingsError", "QueueScriptError", "Protocol") if hasattr(g, n)],
}))
`;

/** Runs a probe in a container of `image` (no network, the image's own env and user). */
export async function inspectInstalledSdk(sdk: Sdk, image: string): Promise<InstalledSdk> {
  const args = ['run', '--rm', '--network', 'none', image, ...(sdk === 'ts' ? ['node', '-e', TS_PROBE] : ['python3', '-c', PY_PROBE])];
  return JSON.parse(await run('docker', args, 60_000)) as InstalledSdk;
}
