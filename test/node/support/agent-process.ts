import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../../support/hub-process';

const ROOT = resolve(__dirname, '..', '..', '..');

export interface AgentProcess {
  process: ChildProcess;
  stateDir: string;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  signal(sig: NodeJS.Signals): void;
}

/**
 * Starts the built GridNode agent as a real process with GRIDNODE_* env only (as in a pod).
 * Defaults suited to tests: 1 s heartbeats, 2 s stop_timeout, host networking.
 */
export function startAgent(env: Record<string, string>, options: { stateDir?: string; args?: string[] } = {}): AgentProcess {
  const entry = ensureBuilt('gridnode');
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'gridnode-state-'));
  let out = '';
  const child = spawn(process.execPath, [entry, ...(options.args ?? [])], {
    cwd: stateDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: stateDir,
      // The built gridnode has no copy of the queue scripts yet (nest-cli.json assets): use the source tree's.
      GRIDCORE_SCRIPTS_DIR: join(ROOT, 'libs', 'queue', 'src', 'scripts'),
      GRIDNODE_STATE_DIR: stateDir,
      GRIDNODE_HEARTBEAT_INTERVAL: '1',
      GRIDNODE_STOP_TIMEOUT: '2',
      GRIDNODE_NETWORK_MODE: 'host',
      GRIDNODE_CONTAINER_MEMORY: '128',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolveExit) => child.once('exit', (code, sig) => resolveExit(code ?? sig ?? -1)));
  return {
    process: child,
    stateDir,
    output: () => out,
    exited,
    signal: (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
  };
}
