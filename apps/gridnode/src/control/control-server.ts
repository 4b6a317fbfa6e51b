import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import { CONTROL_COMMANDS, ControlAnswer, ControlCommand, controlSocketPath } from './control-protocol';

/** What the socket's commands do; the agent binds them to its parts. */
export type ControlHandlers = Record<ControlCommand, () => Promise<ControlAnswer>>;

const MAX_REQUEST_BYTES = 4_096;

/**
 * The volunteer's own line to the running agent (`gridnode status|pause|resume|drain`): a Unix
 * socket in state_dir, created owner-only (0600, under a 0177 umask so it is never open to
 * others even for a moment). No token: whoever can open it is the machine's owner.
 */
export class ControlServer {
  private readonly logger = new Logger('Control');
  private server?: Server;
  readonly path: string;

  constructor(
    stateDir: string,
    private readonly handlers: ControlHandlers,
  ) {
    this.path = controlSocketPath(stateDir);
  }

  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // A socket left by an agent that was killed: nothing listens on it any more.
    rmSync(this.path, { force: true });
    const server = createServer((socket) => this.serve(socket));
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.path, () => resolve());
      });
    } finally {
      process.umask(umask);
    }
    chmodSync(this.path, 0o600);
    server.on('error', (err) => this.logger.warn(`control socket: ${err.message}`));
    this.server = server;
  }

  private serve(socket: Socket): void {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) return this.answer(socket, { ok: false, message: 'request too long' });
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      void this.handle(buffer.slice(0, newline)).then((a) => this.answer(socket, a));
    });
  }

  private async handle(line: string): Promise<ControlAnswer> {
    let command: unknown;
    try {
      command = (JSON.parse(line) as { command?: unknown }).command;
    } catch {
      return { ok: false, message: 'the request is not JSON' };
    }
    if (typeof command !== 'string' || !(CONTROL_COMMANDS as readonly string[]).includes(command)) {
      return { ok: false, message: `unknown command ${JSON.stringify(command)}: one of ${CONTROL_COMMANDS.join(', ')}` };
    }
    try {
      return await this.handlers[command as ControlCommand]();
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  private answer(socket: Socket, answer: ControlAnswer): void {
    socket.end(`${JSON.stringify(answer)}\n`);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
