import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A loopback TCP proxy in front of a redis-server that can lose a reply: once armed with a
 * marker, the first client command containing it (case-insensitive) is forwarded, the server executes it, and
 * its reply is dropped by cutting both sockets — a connection cut at the worst moment.
 */
export class CutProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private armed?: { marker: string; resolve: () => void };
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
      client.on('data', (chunk) => {
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

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
