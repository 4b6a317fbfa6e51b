import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../support/hub-process';

export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'gridctl.js');

/** Builds gridctl when stale (the shared rule of test/support's ensureBuilt). */
export function ensureGridctlBuilt(): string {
  return ensureBuilt('gridctl');
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
  /**
   * SIGKILL as soon as this holds for the stdout so far (checked on each chunk): a window that ends
   * on what the command printed rather than on the clock, which a loaded machine stretches.
   */
  killWhen?: (stdout: string) => boolean;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One gridctl run through the package bin, with its own config folder (XDG_CONFIG_HOME). */
export class Gridctl {
  readonly configHome: string;

  constructor(configHome?: string) {
    this.configHome = configHome ?? mkdtempSync(join(tmpdir(), 'gridctl-config-'));
  }

  /** Removes the config folder (tokens, item and result files). */
  cleanup(): void {
    rmSync(this.configHome, { recursive: true, force: true });
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.configHome, XDG_CONFIG_HOME: join(this.configHome, 'xdg'), ...extra };
  }

  run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const started = Date.now();
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: this.env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (options.killWhen?.(stdout)) child.kill('SIGKILL');
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolveRun({ code, stdout, stderr, ms: Date.now() - started });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs and fails with its output unless it exits 0. */
  async ok(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`gridctl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
    return r;
  }
}
