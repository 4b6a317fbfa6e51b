import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandBlock } from './command-blocks';

/** What a finished command block left: its exit, its output (stdout and stderr interleaved). */
export interface BlockOutcome {
  ok: boolean;
  why: string;
  output: string;
}

/** A run of a command that stops when the caller says: `npm run dev`, a node agent. */
export class BackgroundCommand {
  private output = '';
  private exitCode: number | null = null;
  private readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 1);
        resolve();
      }),
    );
  }

  get text(): string {
    return this.output;
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  get code(): number | null {
    return this.exitCode;
  }

  /** Waits until `pattern` shows in the output; fails when the command exits or time runs out first. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`exited with ${this.exitCode} before printing ${pattern}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`did not print ${pattern} within ${timeoutMs / 1000} s:\n${this.output}`);
  }

  /** True when it is still up after `ms` (a background command that exits at once failed). */
  async stillUpAfter(ms: number): Promise<boolean> {
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, ms))]);
    return this.running;
  }

  /** SIGTERM to its process group (it stops what it started), SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running || !this.child.pid) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-this.child.pid!, signal);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The shell a reader types a document's commands into: one bash per block, in the repository
 * root, with HOME at a fresh folder; exported variables and the working folder carry over from
 * one block to the next, as in one terminal.
 */
export class DocumentShell {
  private readonly stateFile: string;
  private readonly cwdFile: string;

  constructor(
    private readonly dir: string,
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.stateFile = join(dir, 'exports.sh');
    this.cwdFile = join(dir, 'cwd');
    writeFileSync(this.stateFile, '');
    writeFileSync(this.cwdFile, root);
  }

  /** Runs shell lines the way a reader pastes what a command printed (`export HUB=…`). */
  async paste(lines: string): Promise<BlockOutcome> {
    return this.run(lines, 10_000);
  }

  async run(script: string, timeoutMs: number): Promise<BlockOutcome> {
    for (const file of [`${this.stateFile}.next`, `${this.cwdFile}.next`]) rmSync(file, { force: true });
    const child = this.spawn(script, true);
    const command = new BackgroundCommand(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void command.stop(2_000);
    }, timeoutMs);
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    clearTimeout(timer);
    const output = command.text;
    const code = command.code;
    if (code !== 0) return { ok: false, why: timedOut ? `timed out after ${timeoutMs / 1000} s` : `exit code ${code}`, output };
    // curl exits 0 on an HTTP error; the hub's error bodies say so.
    const apiError = /"statusCode"\s*:\s*([45]\d\d)/.exec(output);
    if (apiError) return { ok: false, why: `the hub answered ${apiError[1]}`, output };
    for (const [next, file] of [[`${this.stateFile}.next`, this.stateFile], [`${this.cwdFile}.next`, this.cwdFile]]) {
      if (existsSync(next)) writeFileSync(file, readFileSync(next));
    }
    return { ok: true, why: 'exit code 0', output };
  }

  background(block: CommandBlock): BackgroundCommand {
    return new BackgroundCommand(this.spawn(block.script, false));
  }

  private spawn(script: string, keepState: boolean): ChildProcess {
    const prelude = [
      'set -eo pipefail',
      `source ${JSON.stringify(this.stateFile)}`,
      `cd "$(cat ${JSON.stringify(this.cwdFile)})"`,
      keepState ? `trap 'export -p > ${this.stateFile}.next; pwd > ${this.cwdFile}.next' EXIT` : '',
    ].join('\n');
    return spawn('bash', ['-c', `${prelude}\n${script}\n`], {
      cwd: this.root,
      env: this.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}

/** A task container that exited on its own with an error, as `docker events` reported it. */
export interface ContainerDeath {
  node: string;
  task: string;
  exitCode: number;
  /** When Docker saw it die (ms since the epoch). */
  at: number;
  /** The last lines it wrote, when Docker still had them. */
  logs: string;
}

const STOPPED_EXIT_CODES = [0, 137, 143]; // done, or stopped (SIGKILL, SIGTERM): not a crash

/**
 * Follows `docker events` for GridCore task containers while a document runs, so a node whose
 * containers crash (a Redis they cannot reach, bad settings) fails the document even though the
 * command that started the node is still up. Logs are read as each crash is reported, before the
 * agent removes the container.
 */
export class ContainerDeathWatch {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private readonly deaths: Array<Promise<ContainerDeath>> = [];
  private pending = '';

  constructor() {
    this.child = spawn('docker', ['events', '--filter', 'type=container', '--filter', 'event=die', '--filter', 'label=gridcore.node', '--format', '{{json .}}'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (this.pending + chunk.toString()).split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) this.record(line);
    });
    this.ready = new Promise((resolve) => this.child.on('spawn', () => setTimeout(resolve, 300)));
  }

  started(): Promise<void> {
    return this.ready;
  }

  /** Deaths of the nodes' containers, up to now: those before `stoppingAt` (the grid's own stop) are crashes. */
  async deathsOf(nodeIds: Set<string>, stoppingAt: number): Promise<{ crashes: ContainerDeath[]; duringStop: ContainerDeath[] }> {
    await new Promise((r) => setTimeout(r, 500)); // the last events on their way
    this.child.kill('SIGTERM');
    const ours = (await Promise.all(this.deaths)).filter((d) => nodeIds.has(d.node));
    return { crashes: ours.filter((d) => d.at < stoppingAt), duringStop: ours.filter((d) => d.at >= stoppingAt) };
  }

  private record(line: string): void {
    const event = JSON.parse(line) as { id: string; timeNano?: number; time?: number; Actor: { Attributes: Record<string, string> } };
    const at = event.timeNano ? Math.floor(event.timeNano / 1e6) : (event.time ?? 0) * 1000 || Date.now();
    const a = event.Actor.Attributes;
    const exitCode = Number(a.exitCode);
    if (STOPPED_EXIT_CODES.includes(exitCode)) return;
    this.deaths.push(
      new Promise((resolve) => {
        const logs = spawn('docker', ['logs', '--tail', '10', event.id], { stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        logs.stdout.on('data', (c: Buffer) => (text += c.toString()));
        logs.stderr.on('data', (c: Buffer) => (text += c.toString()));
        logs.on('close', () => resolve({ node: a['gridcore.node'], task: a['gridcore.task'], exitCode, at, logs: text.trim() }));
      }),
    );
  }
}
