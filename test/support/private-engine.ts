import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { docker, DockerCallOptions, DockerResult } from './docker';
import { waitFor } from './ports';

/**
 * A Docker engine of the test's own: `dockerd` with its data, exec root (and so its own
 * containerd), pid file and socket in one temporary folder, a bridge of its own and no iptables,
 * so a test may SIGKILL it and start it again without touching the host's engine on
 * /var/run/docker.sock, which other tests share. Containers on it use host networking (they reach
 * 127.0.0.1). {@link PrivateEngine.cleanup} removes its containers, stops it, ends or unmounts only
 * what lives under its folder, and deletes its bridge.
 *
 * Not `--bridge=none`: dockerd then deletes the host's `docker0` interface, breaking the host
 * engine's default network for everyone. The bridge it gets instead is made here, with a /30
 * address in the benchmarking range 198.18.0.0/15, which nothing on a test machine routes.
 */
export interface PrivateEngine {
  dir: string;
  socket: string;
  /** `unix://<socket>`, for `docker -H`. */
  host: string;
  /** True while a dockerd this helper started runs. */
  readonly running: boolean;
  /** Starts dockerd and resolves once it answers (the "engine's return" when it was killed). */
  start(): Promise<void>;
  /** Sends `signal` to dockerd only (its containerd dies with it; containers' shims live on). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** `docker -H <socket> <args>`. */
  docker(args: string[], options?: DockerCallOptions): Promise<DockerResult>;
  /** Copies an image from the host's engine: `docker save | docker -H <socket> load`. */
  loadImage(image: string): Promise<void>;
  /** Ids of this engine's containers carrying `label` (running only unless `all`). */
  containers(label: string, all?: boolean): Promise<string[]>;
  /** Containers removed, dockerd stopped, leftovers under `dir` ended and unmounted, `dir` gone. */
  cleanup(): Promise<void>;
}

const ANSWER_TIMEOUT_MS = 30_000;

export function createPrivateEngine(): PrivateEngine {
  // Short: containerd's sockets live under it and a unix socket path has at most 107 bytes.
  const dir = mkdtempSync('/tmp/gc-engine-');
  // An interface name has at most 15 characters.
  const bridge = `gcbr-${dir.slice(-6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const bip = `198.18.${randomInt(0, 256)}.${1 + 4 * randomInt(0, 64)}/30`;
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const cli = (args: string[], options?: DockerCallOptions) => docker(['-H', host, ...args], options);

  const engine: PrivateEngine = {
    dir,
    socket,
    host,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) throw new Error(`the private engine in ${dir} already runs`);
      forgetDeadContainerd(dir);
      ensureBridge(bridge, bip);
      const log = openSync(join(dir, 'dockerd.log'), 'a');
      const proc = spawn(
        'dockerd',
        [
          '--data-root', join(dir, 'data'),
          '--exec-root', join(dir, 'exec'),
          '--pidfile', join(dir, 'dockerd.pid'),
          '-H', host,
          `--bridge=${bridge}`,
          '--iptables=false',
          '--ip-masq=false',
          '--ip-forward=false',
        ],
        { stdio: ['ignore', log, log], detached: true },
      );
      closeSync(log);
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      void exited.then(() => {
        if (child === proc) child = null;
      });
      let gone = false;
      const died = exited.then(() => {
        gone = true;
        throw new Error(`dockerd exited at start: ${tailOf(join(dir, 'dockerd.log'))}`);
      });
      const answers = waitFor(
        async () => !gone && (await cli(['version', '--format', '{{.Server.Version}}'], { allowFailure: true, timeoutMs: 5_000 })).code === 0,
        ANSWER_TIMEOUT_MS,
        `the private Docker engine on ${socket}`,
        100,
      );
      died.catch(() => undefined);
      await Promise.race([answers, died]);
    },
    async kill(signal = 'SIGKILL') {
      const proc = child;
      if (!proc) return;
      proc.kill(signal);
      // A dockerd stuck in its shutdown must not hang the test: SIGKILL after 20 s.
      const force = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(force);
    },
    docker: cli,
    async loadImage(image) {
      await runShell(`docker save ${quote(image)} | docker -H ${quote(host)} load`, 300_000);
    },
    async containers(label, all = false) {
      const listed = await cli(['ps', ...(all ? ['-a'] : []), '-q', '--no-trunc', '--filter', `label=${label}`]);
      return listed.stdout.split(/\s+/).filter(Boolean);
    },
    async cleanup() {
      try {
        // A killed engine may have left containers running under their shims: a start ends them.
        if (!child) await engine.start().catch(() => undefined);
        if (child) {
          const ids = (await cli(['ps', '-aq'], { allowFailure: true })).stdout.split(/\s+/).filter(Boolean);
          if (ids.length) await cli(['rm', '-f', '-v', ...ids], { allowFailure: true, timeoutMs: 120_000 });
          await engine.kill('SIGTERM');
        }
      } finally {
        endLeftovers(dir);
        unmountUnder(dir);
        rmSync(dir, { recursive: true, force: true });
        spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore', timeout: 10_000 });
      }
    },
  };
  return engine;
}

/** The engine's own bridge, with its address set here (dockerd refuses `-b` with `--bip`). */
function ensureBridge(name: string, address: string): void {
  if (spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0) return;
  for (const args of [['link', 'add', 'name', name, 'type', 'bridge'], ['addr', 'add', address, 'dev', name]]) {
    const done = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
    if (done.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${done.stderr || done.error?.message}`);
  }
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

function runShell(script: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn('bash', ['-c', `set -o pipefail; ${script}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${script} exited ${code}: ${err.trim().slice(-500)}`));
    });
  });
}

/**
 * A SIGKILLed dockerd takes its containerd along, which stays a zombie for a moment; dockerd
 * counts a zombie as a live containerd, waits for its socket and gives up. Its pid file goes then.
 */
function forgetDeadContainerd(dir: string): void {
  const pidFile = join(dir, 'exec', 'containerd', 'containerd.pid');
  let pid: string;
  try {
    pid = readFileSync(pidFile, 'utf8').trim();
  } catch {
    return;
  }
  let state = 'gone';
  try {
    state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[0];
  } catch {
    // gone
  }
  if (state === 'gone' || state === 'Z' || state === 'X') rmSync(pidFile, { force: true });
}

/** SIGKILLs processes whose command line names `dir` (this engine's containerd and shims), by pid. */
function endLeftovers(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.split('\0').some((arg) => arg.startsWith(`${dir}/`) || arg.startsWith(`unix://${dir}/`))) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** dockerd bind-mounts its data root and a netns file under `dir` and leaves them when it stops. */
function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => !!point && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const point of points) spawnSync('umount', ['-l', point], { stdio: 'ignore', timeout: 10_000 });
}
