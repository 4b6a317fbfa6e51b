import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, waitFor } from './ports';

const ROOT = resolve(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'apps', 'gateway', 'apps', 'gateway', 'src', 'main.js');

export interface GatewayProcess {
  port: number;
  url: string;
  output(): string;
  /** SIGTERM (SIGKILL after 5 s) and wait for the exit. */
  stop(): Promise<void>;
}

/** Builds apps/gateway when its entry is missing or older than its sources or the libs (as ensureBuilt does for the hub). */
function ensureGatewayBuilt(): void {
  const stale = `[ ! -f '${ENTRY}' ] || [ -n "$(find apps/gateway/src libs \\( -name '*.ts' -o -name '*.lua' \\) -newer '${ENTRY}' | head -n 1)" ]`;
  execFileSync('flock', [join(tmpdir(), 'gridcore-build-gateway.lock'), 'sh', '-c', `if ${stale}; then npx nest build gateway-app; fi`], { cwd: ROOT, stdio: 'pipe', timeout: 300_000 });
}

/** Starts the built standalone gateway (apps/gateway) on loopback against a hub, and waits until it listens. */
export async function startGatewayProcess(options: { hubUrl: string; hubToken: string; port?: number }): Promise<GatewayProcess> {
  ensureGatewayBuilt();
  const port = options.port ?? (await freePort());
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', GATEWAY_BIND: `127.0.0.1:${port}`, GATEWAY_HUB_URL: options.hubUrl, GATEWAY_HUB_TOKEN: options.hubToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  await waitFor(() => {
    if (exited()) throw new Error(`the gateway exited: ${out.slice(-2000)}`);
    return /data gateway listening/.test(out);
  }, 30_000, `gateway on port ${port}`, 100);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => out,
    stop: () =>
      new Promise<void>((done) => {
        if (exited()) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}
