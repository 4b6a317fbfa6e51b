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
  /** Commands started and not finished. */
  private running = 0;

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
    if (!Array.isArray(request) || request.length === 0) return this.protocolError();
    for (let i = 0; i < request.length; i++) if (typeof request[i] !== 'string') return this.protocolError();
    if (this.slots.length >= MAX_PENDING_REPLIES) return this.protocolError();
    const args = request as string[];
    if (this.slots.length === 0 && this.barrierSettled && this.running === 0) {
      // The common case (a client waiting for each reply): nothing before it, run it now; a
      // reply given at once is written at once, with no slot kept for it.
      const result = this.runCaught(args);
      if (!(result instanceof Promise)) return this.writeNow(result);
      const slot: Slot = { done: false };
      this.slots.push(slot);
      const p = this.settle(slot, result);
      if (this.isOrdered(args[0].toUpperCase())) this.raiseBarrier(p);
      this.track(p);
      return;
    }
    const slot: Slot = { done: false };
    this.slots.push(slot);
    const exec = () => this.execute(slot, args);
    if (this.isOrdered(args[0].toUpperCase())) {
      const p = this.everything.then(exec, exec);
      this.raiseBarrier(p);
      this.track(p);
    } else if (this.barrierSettled) {
      this.track(exec());
    } else {
      this.track(this.barrier.then(exec, exec));
    }
  }

  private writeNow(reply: Reply): void {
    if (!this.closed) this.socket.write(encode(reply, this.proto).join(''));
    if (this.closeAfterFlush && this.slots.length === 0) this.socket.end();
  }

  /** Commands after `p` wait for it. */
  private raiseBarrier(p: Promise<void>): void {
    this.barrier = p;
    this.barrierSettled = false;
    void p.then(() => {
      if (this.barrier === p) this.barrierSettled = true;
    });
  }

  /** Keeps `everything` (what an ordered command waits for) covering every command started. */
  private track(p: Promise<void> | void): void {
    if (!p) return;
    this.running++;
    const done = () => void this.running--;
    p.then(done, done);
    this.everything = this.running === 1 ? p : Promise.all([this.everything, p]);
  }

  private runCaught(args: string[]): Reply | Promise<Reply> {
    try {
      return this.run(this, args);
    } catch (err) {
      return errorReply((err as Error).message || 'ERR gridcore gateway: internal error');
    }
  }

  private settle(slot: Slot, result: Promise<Reply>): Promise<void> {
    return result.then(
      (reply) => this.complete(slot, reply),
      (err: Error) => this.complete(slot, errorReply(err.message || 'ERR gridcore gateway: internal error')),
    );
  }

  /** Runs one command; a reply given at once is written at once, without a promise in between. */
  private execute(slot: Slot, args: string[]): Promise<void> | void {
    const result = this.runCaught(args);
    if (!(result instanceof Promise)) return this.complete(slot, result);
    return this.settle(slot, result);
  }

  private complete(slot: Slot, reply: Reply): void {
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
