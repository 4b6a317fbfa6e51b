import type { Socket } from 'node:net';
import RedisParser from 'redis-parser';
import type { Identity } from '../auth/identity';
import { encode, errorReply, Reply } from '../resp/reply';
import type { ConsumerSlot } from '../task/consumer-slot';
import type { PendingWait } from '../task/wait-list';

/** Runs one command of a session; a thrown error becomes an error reply. */
export type CommandRunner = (session: ClientSession, args: string[]) => Reply | Promise<Reply>;
/** Commands that must wait for every earlier command of the connection (they change its state or rely on order). */
export type IsOrdered = (command: string) => boolean;

interface Slot {
  done: boolean;
  reply?: Reply;
}

/** Requests bigger than this (one command's bytes in the parser's buffer) close the connection. */
const MAX_PENDING_REPLIES = 10_000;

/**
 * One client connection: RESP requests parsed by redis-parser, replies written in the protocol
 * the connection negotiated and in request order. Commands that only run a script start at once
 * (they reach the task's Redis in arrival order over the backend's single command connection, so
 * a pipelining client keeps its throughput); commands that change the connection's state or the
 * consumer's held items wait for everything before them.
 */
export class ClientSession {
  proto: 2 | 3 = 2;
  identity: Identity | null = null;
  name = '';
  closed = false;
  /** The BLMOVE this connection waits in, for CLIENT UNBLOCK. */
  pendingWait?: PendingWait;
  /** The original-consumer slot this connection popped or pushed through. */
  consumerSlot?: ConsumerSlot;
  private readonly parser: RedisParser;
  private readonly slots: Slot[] = [];
  private barrier: Promise<unknown> = Promise.resolve();
  private barrierSettled = true;
  private everything: Promise<unknown> = Promise.resolve();
  private closeAfterFlush = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly run: CommandRunner,
    private readonly isOrdered: IsOrdered,
    private readonly onClose: (s: ClientSession) => void,
  ) {
    this.parser = new RedisParser({
      returnReply: (request: unknown) => this.request(request),
      returnError: () => this.protocolError(),
      returnFatalError: () => this.protocolError(),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.execute(chunk);
      } catch {
        this.protocolError();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.onClose(this);
    });
  }

  private protocolError(): void {
    if (this.closed) return;
    this.socket.end(encode(errorReply('ERR Protocol error: the gateway reads RESP arrays of bulk strings'), this.proto).join(''));
    this.socket.destroy();
  }

  private request(request: unknown): void {
    if (this.closed || this.closeAfterFlush) return;
    if (!Array.isArray(request) || request.length === 0 || !request.every((a) => typeof a === 'string')) return this.protocolError();
    if (this.slots.length >= MAX_PENDING_REPLIES) return this.protocolError();
    const args = request as string[];
    const slot: Slot = { done: false };
    this.slots.push(slot);
    const exec = () => this.execute(slot, args);
    const command = args[0].toUpperCase();
    if (this.isOrdered(command)) {
      const p = this.everything.then(exec, exec);
      this.barrier = p;
      this.barrierSettled = false;
      void p.then(() => {
        if (this.barrier === p) this.barrierSettled = true;
      });
      this.everything = p;
    } else if (this.barrierSettled) {
      this.everything = Promise.all([this.everything, exec()]);
    } else {
      this.everything = Promise.all([this.everything, this.barrier.then(exec, exec)]);
    }
  }

  private async execute(slot: Slot, args: string[]): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.run(this, args);
    } catch (err) {
      reply = errorReply((err as Error).message || 'ERR gridcore gateway: internal error');
    }
    slot.done = true;
    slot.reply = reply;
    this.flush();
  }

  private flush(): void {
    let out: string[] | undefined;
    while (this.slots.length > 0 && this.slots[0].done) {
      const slot = this.slots.shift() as Slot;
      out = encode(slot.reply as Reply, this.proto, out);
    }
    if (out && !this.closed) this.socket.write(out.join(''));
    if (this.closeAfterFlush && this.slots.length === 0) this.socket.end();
  }

  /** QUIT: the connection ends once every reply before it is written. */
  endAfterReplies(): void {
    this.closeAfterFlush = true;
  }

  /** Closes at once (revocation, gateway shutdown). */
  destroy(): void {
    this.socket.destroy();
  }
}
