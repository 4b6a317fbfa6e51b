import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
/** The npm package's entry in this checkout (libs/queue/package.json points at its compiled form). */
export const SDK_ENTRY = join(ROOT, 'libs', 'queue', 'src', 'worker-sdk.ts');

/**
 * Compiles workers that import `@gridcore/worker` (the examples, the conformance suite's test
 * worker) against this checkout's SDK sources, to run with plain node: each `file` lands at its
 * repository path under `outDir`, and `outDir/node_modules/@gridcore/worker` resolves the package
 * name to the compiled sources. Run them with NODE_PATH at the checkout's node_modules (ioredis)
 * and GRIDCORE_SCRIPTS_DIR at libs/queue/src/scripts. Tests of the packed package install the
 * tarball instead (test/queue/helpers/installed-sdks.ts).
 */
export function compileWorkersFromSource(outDir: string, files: string[]): void {
  const tsconfig = join(outDir, 'tsconfig.workers.json');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        module: 'commonjs', target: 'es2022', esModuleInterop: true, skipLibCheck: true, strict: true, sourceMap: false,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], rootDir: ROOT, outDir,
        paths: { '@gridcore/worker': [SDK_ENTRY] },
      },
      files: files.map((f) => resolve(ROOT, f)),
    }),
  );
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { stdio: 'inherit', timeout: 180_000 });
  const pkg = join(outDir, 'node_modules', '@gridcore', 'worker');
  mkdirSync(pkg, { recursive: true });
  const entry = join(outDir, relative(ROOT, SDK_ENTRY)).replace(/\.ts$/, '.js');
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@gridcore/worker', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), `module.exports = require(${JSON.stringify(entry)});\n`);
}

export interface PackedSdks {
  /** dist/packages/gridcore-worker-<version>.tgz (npm pack of libs/queue/package.json). */
  tgz: string;
  /** dist/packages/gridcore_worker-<version>-py3-none-any.whl (libs/queue/python). */
  whl: string;
}

/** `npm run pack:sdk` (scripts/pack-sdks.sh): the two artefacts, packed when their sources changed. */
export function packSdks(): Promise<PackedSdks> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [join(ROOT, 'scripts', 'pack-sdks.sh')], { cwd: ROOT, timeout: 10 * 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`scripts/pack-sdks.sh failed: ${error.message}\n${String(stderr).trim().split('\n').slice(-20).join('\n')}`));
      const [tgz, whl] = String(stdout).trim().split('\n');
      resolvePromise({ tgz, whl });
    });
  });
}
