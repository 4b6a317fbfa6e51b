import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type Sdk = 'ts' | 'py';
export const ROOT = resolve(__dirname, '..', '..', '..');
export const SCRIPTS_DIR = join(ROOT, 'libs', 'queue', 'src', 'scripts');
export const PYTHON = '/usr/bin/python3';

let compiled: string | undefined;

/** Compiles the TS test worker and the example once per jest worker, to run with plain node. */
export function compileTsWorkers(): string {
  if (compiled) return compiled;
  const out = mkdtempSync(join(tmpdir(), 'gridcore-queue-workers-'));
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--outDir', out, '--rootDir', ROOT, '--module', 'commonjs', '--target', 'es2022',
      '--esModuleInterop', '--skipLibCheck', '--types', 'node',
      join(ROOT, 'test/queue/workers/test-worker.ts'), join(ROOT, 'examples/node-worker/worker.ts')],
    { stdio: 'inherit' },
  );
  compiled = out;
  return out;
}

/** Fails (never skips) when python3-redis is missing. */
export function assertPythonRedis(): void {
  const r = spawnSync(PYTHON, ['-c', 'import redis']);
  if (r.status !== 0) throw new Error('python3-redis is missing: apt-get install -y python3-redis (scripts/ensure-system.sh does)');
}

export interface WorkerProcess {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<string>;
}

export function spawnWorker(sdk: Sdk, env: Record<string, string>, script: 'test' | 'example' = 'test'): WorkerProcess {
  const fullEnv = { ...process.env, GRIDCORE_SCRIPTS_DIR: SCRIPTS_DIR, NODE_PATH: join(ROOT, 'node_modules'), ...env };
  const proc =
    sdk === 'ts'
      ? spawn(process.execPath, [script === 'test' ? join(compileTsWorkers(), 'test/queue/workers/test-worker.js') : join(compileTsWorkers(), 'examples/node-worker/worker.js')], { env: fullEnv })
      : spawn(PYTHON, [script === 'test' ? join(ROOT, 'test/queue/workers/test_worker.py') : join(ROOT, 'examples/python-worker/worker.py')], { env: fullEnv });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers: (() => void)[] = [];
  const lines = (into: string[]) => (chunk: Buffer) => {
    into.push(...chunk.toString().split('\n').filter(Boolean));
    watchers.forEach((w) => w());
  };
  proc.stdout!.on('data', lines(stdout));
  proc.stderr!.on('data', lines(stderr));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    stdout,
    stderr,
    exited,
    waitForStdout: (re, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const hit = stdout.find((l) => re.test(l));
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => reject(new Error(`no stdout line ${re} within ${timeoutMs} ms; stderr: ${stderr.join(' | ')}`)), timeoutMs);
        watchers.push(check);
        check();
      }),
  };
}

/** Resolves with the exit code, or kills the process and fails after `ms`. */
export async function exitWithin(w: WorkerProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([w.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  clearTimeout(timer);
  if (code === 'timeout') {
    w.proc.kill('SIGKILL');
    throw new Error(`worker did not exit within ${ms} ms; stderr: ${w.stderr.join(' | ')}`);
  }
  return code;
}
