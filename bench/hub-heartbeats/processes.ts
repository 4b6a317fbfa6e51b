/**
 * Child processes of the benchmark: every one is tracked, and all are killed when the runner
 * exits, whether it ends normally, fails, or is interrupted.
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
const children = new Set<ChildProcess>();
/** Where compile() put the JavaScript of the bench's own processes. */
let jsRoot: string | null = null;

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILL every child still running; synchronous, so it also works in an 'exit' handler. */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

/** Kills the children on every way out of the runner. */
export function installCleanup(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Compiles the bench's processes (and the contracts they import) with the project's compiler
 * options into `outDir`, so they run on plain node like the built hub: under ts-node each would
 * carry the TypeScript compiler in its heap, which inflates its RSS and its garbage collection.
 */
export async function compile(outDir: string, entries: string[]): Promise<void> {
  const tsconfig = join(outDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO_ROOT, 'tsconfig.json'),
      compilerOptions: {
        outDir: join(outDir, 'js'),
        rootDir: REPO_ROOT,
        sourceMap: false,
        noEmit: false,
        typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
        types: ['node'],
      },
      include: [],
      files: entries.map((e) => join(__dirname, e)),
    }),
  );
  await runCommand(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', tsconfig], 300_000);
  jsRoot = join(outDir, 'js');
}

/** The compiled form of a script of this folder. */
export function compiled(script: string): string {
  if (!jsRoot) throw new Error('compile() first');
  return join(jsRoot, 'bench', 'hub-heartbeats', script.replace(/\.ts$/, '.js'));
}

/** The runner's env without any GridCore setting (a developer's own hub config must not leak in). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Compiled scripts live outside the repository: they find its packages through NODE_PATH.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') };
  for (const key of Object.keys(env)) {
    if (/^(COMPUTEHUB|GRIDNODE|GRIDCORE|IDM_GRIDCORE)_/.test(key)) delete env[key];
  }
  return { ...env, ...extra };
}

export interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  logFile: string;
}

/** Starts a server process with stdout and stderr going to `logFile`. */
export function startServer(
  name: string,
  entry: { script: string; nodeArgs?: string[]; args?: string[] },
  port: number,
  env: Record<string, string>,
  logFile: string,
): Server {
  const log = createWriteStream(logFile);
  const argv = [...(entry.nodeArgs ?? []), entry.script, ...(entry.args ?? [])];
  const child = track(spawn(process.execPath, argv, { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return { name, child, port, logFile };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until the server accepts connections; fails if it exits first or after `timeoutMs`. */
export async function waitReady(server: Server, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.name} exited during start-up (${server.child.exitCode ?? server.child.signalCode}):\n${await tail(server.logFile)}`);
    }
    if (await canConnect(server.port)) return;
    await sleep(200);
  }
  throw new Error(`${server.name} did not listen on ${server.port} within ${timeoutMs / 1000} s:\n${await tail(server.logFile)}`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stop(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** Resident and peak resident memory of a process, in MiB, from /proc/<pid>/status. */
export async function readRss(pid: number): Promise<{ rssMb: number; hwmMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${key} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat. */
export async function readCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime
  // are fields 14 and 15 of the line, so 12 and 13 after the ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/** USER_HZ: 100 on every Linux architecture node runs on. */
const CLOCK_TICKS_PER_S = 100;

export interface JobEvent {
  event: string;
  [key: string]: unknown;
}

/**
 * Runs a script as its own process, handing each JSON line it prints to `onEvent`;
 * resolves with the last line once it exits 0. Killed after `timeoutMs`.
 */
export function runJob(
  script: string,
  job: object,
  timeoutMs: number,
  onEvent: (event: JobEvent) => void | Promise<void> = () => undefined,
): Promise<JobEvent> {
  const options: SpawnOptions = { cwd: REPO_ROOT, env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] };
  const child = track(spawn(process.execPath, [script, JSON.stringify(job)], options));
  return new Promise((resolve, reject) => {
    let last: JobEvent | null = null;
    let stderr = '';
    const pending: Promise<void>[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: JobEvent;
      try {
        event = JSON.parse(line) as JobEvent;
      } catch {
        return;
      }
      last = event;
      pending.push(Promise.resolve(onEvent(event)));
    });
    // 'close' comes after stdout has ended, so every line has been seen.
    child.once('close', (code) => {
      clearTimeout(timer);
      void Promise.all(pending).then(() => {
        const final = last as JobEvent | null;
        if (code === 0 && final) resolve(final);
        else if (final?.event === 'error') reject(new Error(String(final.message)));
        else reject(new Error(`${script} exited with ${code}: ${stderr.trim()}`));
      }, reject);
    });
  });
}

/** Runs a command to completion (the build), failing after `timeoutMs`. */
export function runCommand(command: string, args: string[], timeoutMs: number): Promise<void> {
  const child = track(spawn(command, args, { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'inherit', 'inherit'] }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal})`));
    });
  });
}
