import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hubFetch } from '../../libs/operator/src/hub-transport';
import { freePort, waitFor } from './ports';

const ROOT = resolve(__dirname, '..', '..');

/** The built entry point of an app (`npm run build` makes them). */
export function appEntry(app: 'computehub' | 'gridnode' | 'gridctl'): string {
  return join(ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
}

/**
 * Builds `app` with the Nest CLI when its entry point is missing or older than its sources or the
 * libs (scripts/test.sh builds everything first, so this is normally a no-op). Staleness is
 * checked again while holding the build lock: test files that both find the app stale build it
 * once, and none rebuilds it under another's running process.
 */
export function ensureBuilt(app: 'computehub' | 'gridnode' | 'gridctl'): string {
  const entry = appEntry(app);
  // One lock per checkout: test files of this tree wait for each other's build, not for a build of
  // another checkout on the same machine (they write different dist/ folders).
  const checkout = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
  const lock = join(tmpdir(), `gridcore-build-${app}-${checkout}.lock`);
  const stale = `[ ! -f '${entry}' ] || [ -n "$(find apps/${app}/src libs \\( -name '*.ts' -o -name '*.lua' \\) -newer '${entry}' | head -n 1)" ]`;
  execFileSync('flock', [lock, 'sh', '-c', `if ${stale}; then npx nest build ${app}; fi`], { cwd: ROOT, stdio: 'pipe', timeout: 300_000 });
  return entry;
}

export interface HubProcess {
  url: string;
  port: number;
  token: string;
  stateDir: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** GET/POST with the admin token; returns status and parsed JSON (or text). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export interface HubProcessOptions {
  port?: number;
  stateDir?: string;
  token?: string;
  env?: Record<string, string>;
  /** Serve HTTPS with this certificate and key; the helper's own calls trust `ca` (PEM). */
  tls?: { certFile: string; keyFile: string; ca: string };
}

/**
 * Starts the built ComputeHub as a real process on loopback (`node dist/.../main.js`), with the
 * legacy token (admin + node), a state folder and a free port, and waits for `/health`.
 */
export async function startHubProcess(options: HubProcessOptions = {}): Promise<HubProcess> {
  const entry = ensureBuilt('computehub');
  const port = options.port ?? (await freePort());
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'gridcore-hubproc-'));
  const token = options.token ?? 'hub-process-token-0001';
  let out = '';
  const child = spawn(process.execPath, [entry], {
    cwd: stateDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: stateDir,
      COMPUTEHUB_TOKEN: token,
      COMPUTEHUB_BIND: `127.0.0.1:${port}`,
      COMPUTEHUB_STATE_DIR: stateDir,
      ...(options.tls ? { COMPUTEHUB_TLS_CERT: options.tls.certFile, COMPUTEHUB_TLS_KEY: options.tls.keyFile } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const send = hubFetch(options.tls?.ca);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  await waitFor(
    async () => {
      if (exited()) throw new Error(`hub exited early: ${out.slice(-2000)}`);
      const res = await send(`${url}/health`);
      return res.ok;
    },
    30_000,
    `hub on port ${port}`,
    100,
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${out.slice(-2000)}`);
  });
  // SIGTERM, then SIGKILL if the hub has not exited within 5 s (open long-polls may hold it).
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolveEnd) => {
      if (exited()) return resolveEnd();
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolveEnd();
      });
      child.kill(signal);
    });
  return {
    url,
    port,
    token,
    stateDir,
    process: child,
    output: () => out,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async api(method, path, body) {
      const res = await send(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // plain text (e.g. /health)
      }
      return { status: res.status, body: parsed };
    },
  };
}
