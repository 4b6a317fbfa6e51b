import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A loopback TCP proxy in front of a redis-server that can lose a reply: once armed with a
 * marker, the first client command containing it (case-insensitive) is forwarded, the server executes it, and
 * its reply is dropped by cutting both sockets — a connection cut at the worst moment.
 * Armed with {@link armUnknownCommand} instead, it swaps that one command for one the server does
 * not know, so the client gets an error reply it has never met, in its place among the replies.
 */
export class CutProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private armed?: { marker: string; resolve: () => void };
  private swap?: { marker: string; resolve: () => void };
  port = 0;

  async start(targetPort: number): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      let cutOnReply = false;
      let onCut: (() => void) | undefined;
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      let pending = Buffer.alloc(0);
      client.on('data', (chunk) => {
        if (this.swap) {
          // Whole commands only (a command may span chunks): swap the one with the marker.
          pending = Buffer.concat([pending, chunk]);
          const { commands, rest } = splitCommands(pending);
          pending = rest;
          for (const command of commands) {
            const swap = this.swap;
            if (swap && command.toString('latin1').toLowerCase().includes(swap.marker.toLowerCase())) {
              this.swap = undefined;
              upstream.write('*1\r\n$12\r\nGRIDCORETEST\r\n');
              swap.resolve();
            } else {
              upstream.write(command);
            }
          }
          return;
        }
        if (pending.length) {
          chunk = Buffer.concat([pending, chunk]);
          pending = Buffer.alloc(0);
        }
        if (this.armed && chunk.toString('latin1').toLowerCase().includes(this.armed.marker.toLowerCase())) {
          cutOnReply = true;
          onCut = this.armed.resolve;
          this.armed = undefined;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (cutOnReply) {
          close();
          onCut?.();
          return;
        }
        client.write(chunk);
      });
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  /** Resolves once a command containing `marker` ran and its reply was lost. */
  armCut(marker: string): Promise<void> {
    return new Promise((resolve) => (this.armed = { marker, resolve }));
  }

  /** Resolves once the command containing `marker` went to the server as an unknown command instead. */
  armUnknownCommand(marker: string): Promise<void> {
    return new Promise((resolve) => (this.swap = { marker, resolve }));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Complete RESP commands (arrays of bulk strings) at the start of `buf`, and what follows them. */
function splitCommands(buf: Buffer): { commands: Buffer[]; rest: Buffer } {
  const commands: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = commandEnd(buf, at);
    if (end < 0) break;
    commands.push(buf.subarray(at, end));
    at = end;
  }
  return { commands, rest: buf.subarray(at) };
}

/** Where the command starting at `at` ends, or -1 when it is not all there yet. */
function commandEnd(buf: Buffer, at: number): number {
  const line = (from: number) => {
    const nl = buf.indexOf('\r\n', from, 'latin1');
    return nl < 0 ? null : { text: buf.toString('latin1', from, nl), next: nl + 2 };
  };
  const head = line(at);
  if (!head) return -1;
  if (!head.text.startsWith('*')) return head.next; // an inline command: one line
  let pos = head.next;
  for (let i = 0; i < Number(head.text.slice(1)); i++) {
    const len = line(pos);
    if (!len) return -1;
    pos = len.next + Number(len.text.slice(1)) + 2;
    if (pos > buf.length) return -1;
  }
  return pos;
}
