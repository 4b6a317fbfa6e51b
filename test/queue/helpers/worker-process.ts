import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileWorkersFromSource } from '../../support/sdk-workers';

export type Sdk = 'ts' | 'py';
/**
 * Where a worker runs: a process on this checkout's SDK sources, or (with `image`) a container of
 * an image in which the SDK was installed from its packed artefact (helpers/installed-sdks.ts).
 */
export interface WorkerTarget {
  sdk: Sdk;
  image?: string;
}
export const ROOT = resolve(__dirname, '..', '..', '..');
export const SCRIPTS_DIR = join(ROOT, 'libs', 'queue', 'src', 'scripts');
export const PYTHON = '/usr/bin/python3';
/** Label on every container {@link spawnWorker} starts, for the cleanup after a test file. */
export const WORKER_CONTAINER_LABEL = 'gridcore-test.queue-worker';
/**
 * The same label with this test process's pid as its value: a file's cleanup removes its own
 * containers only, not those of a test file running beside it (another jest worker, another checkout).
 */
export const OWN_WORKER_CONTAINER_LABEL = `${WORKER_CONTAINER_LABEL}=${process.pid}`;

let compiled: string | undefined;

/** Compiles the TS test worker and the example once per jest worker, to run with plain node. */
export function compileTsWorkers(): string {
  if (compiled) return compiled;
  const out = mkdtempSync(join(tmpdir(), 'gridcore-queue-workers-'));
  compileWorkersFromSource(out, ['test/queue/workers/test-worker.ts', 'examples/node-worker/worker.ts']);
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
  /** Signals the worker itself (in a container: `docker kill --signal`, as a node stops it). */
  kill(signal: NodeJS.Signals): void;
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Runs in a container (an installed-package target): `docker run --rm` adds its start and teardown. */
  inContainer: boolean;
}

/**
 * What `docker run --rm` adds to a worker's own run, start-up and teardown (both measured in
 * seconds on an engine busy with a second test file beside this one): exitWithin allows it on top.
 */
const CONTAINER_ALLOWANCE_MS = 20_000;

function startProcess(sdk: Sdk, env: Record<string, string>, script: 'test' | 'example'): ChildProcess {
  const fullEnv = {
    ...process.env,
    GRIDCORE_SCRIPTS_DIR: SCRIPTS_DIR,
    NODE_PATH: join(ROOT, 'node_modules'),
    PYTHONPATH: join(ROOT, 'libs', 'queue', 'python'),
    ...env,
  };
  if (sdk === 'ts') {
    const file = script === 'test' ? 'test/queue/workers/test-worker.js' : 'examples/node-worker/worker.js';
    return spawn(process.execPath, [join(compileTsWorkers(), file)], { env: fullEnv });
  }
  const file = script === 'test' ? 'test/queue/workers/test_worker.py' : 'examples/python-worker/worker.py';
  return spawn(PYTHON, [join(ROOT, file)], { env: fullEnv });
}

/**
 * The image's worker in a container with host networking and only the given env (nothing of this
 * checkout: no GRIDCORE_SCRIPTS_DIR, no source paths), so the installed package finds its own scripts.
 */
function startContainer(image: string, name: string, env: Record<string, string>): ChildProcess {
  const args = ['run', '--rm', '--name', name, '--network', 'host', '--label', OWN_WORKER_CONTAINER_LABEL];
  for (const key of Object.keys(env)) args.push('-e', key);
  args.push(image);
  const cli = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) };
  return spawn('docker', args, { env: { ...cli, ...env } });
}

export function spawnWorker(target: Sdk | WorkerTarget, env: Record<string, string>, script: 'test' | 'example' = 'test'): WorkerProcess {
  const { sdk, image } = typeof target === 'string' ? { sdk: target, image: undefined } : target;
  if (image && script !== 'test') throw new Error(`the installed-package image ${image} holds the test worker only`);
  const container = `gridcore-test-worker-${randomBytes(5).toString('hex')}`;
  const proc = image ? startContainer(image, container, env) : startProcess(sdk, env, script);
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
  const kill = (signal: NodeJS.Signals) => {
    if (!image) proc.kill(signal);
    else spawn('docker', ['kill', '--signal', signal, container], { stdio: 'ignore' });
  };
  return {
    proc,
    stdout,
    stderr,
    exited,
    kill,
    inContainer: !!image,
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

/** Resolves with the exit code, or kills the process and fails after `ms` (plus a container's start and teardown). */
export async function exitWithin(w: WorkerProcess, workerMs: number): Promise<number | null> {
  const ms = workerMs + (w.inContainer ? CONTAINER_ALLOWANCE_MS : 0);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([w.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  clearTimeout(timer);
  if (code === 'timeout') {
    w.kill('SIGKILL');
    throw new Error(`worker did not exit within ${ms} ms; stderr: ${w.stderr.join(' | ')}`);
  }
  return code;
}
