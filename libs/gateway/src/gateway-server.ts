import { createServer as createTcpServer, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Subscription } from 'rxjs';
import { isLoopback, loadScripts } from '@gridcore/queue';
import { Authenticator } from './auth/authenticator';
import { dispatch, isOrdered } from './commands/dispatch';
import type { GatewayContext } from './commands/gateway-context';
import type { GatewayDirectory } from './gateway-directory';
import { ClientSession } from './session/client-session';
import { SessionRegistry } from './session/session-registry';
import { TaskBackends } from './task/task-backends';

export interface GatewayServerOptions {
  directory: GatewayDirectory;
  /** Address to listen on; anything but loopback needs `tls`. */
  host: string;
  /** 0 picks a free port (see `address()`). */
  port: number;
  /** PEM certificate chain and key: the gateway then speaks TLS only (rediss://). */
  tls?: { cert: string; key: string };
  /** How long a credential digest and a node's task route are cached (ms). */
  digestCacheMs?: number;
  routeCacheMs?: number;
  log?: (line: string) => void;
}

/** Refusal to listen in the clear where strangers could listen in (issue 17.1). */
export class GatewayTlsRequiredError extends Error {
  constructor(host: string) {
    super(`the gateway listens on ${host}, which is not a loopback address: give it gateway_tls_cert and gateway_tls_key`);
  }
}

/**
 * The data gateway (issue 17): a Redis-protocol server volunteer containers and nodes connect to
 * instead of the task's Redis. It holds nothing but caches of the directory's answers, so any
 * number of replicas can serve the same tasks.
 */
export class GatewayServer {
  private readonly sessions = new SessionRegistry();
  private readonly backends: TaskBackends;
  private readonly auth: Authenticator;
  private readonly ctx: GatewayContext;
  private server?: Server;
  private revocations?: Subscription;
  private readonly log: (line: string) => void;

  constructor(private readonly options: GatewayServerOptions) {
    if (!options.tls && !isLoopback(options.host)) throw new GatewayTlsRequiredError(options.host);
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.auth = new Authenticator(options.directory, options.digestCacheMs);
    this.backends = new TaskBackends(options.directory, options.routeCacheMs);
    this.ctx = {
      auth: this.auth,
      backends: this.backends,
      sessions: this.sessions,
      scriptShas: new Set([...loadScripts().values()].map((s) => s.sha)),
    };
  }

  async listen(): Promise<AddressInfo> {
    const onSocket = (socket: Socket) => this.accept(socket);
    const o = this.options;
    this.server = o.tls ? createTlsServer({ cert: o.tls.cert, key: o.tls.key }, onSocket) : createTcpServer(onSocket);
    this.server.on('error', (err) => this.log(`gridcore gateway: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(o.port, o.host, () => {
        this.server?.off('error', reject);
        resolve();
      });
    });
    this.revocations = o.directory.revocations().subscribe((nodeId) => this.revoke(nodeId));
    return this.address();
  }

  address(): AddressInfo {
    return this.server?.address() as AddressInfo;
  }

  /** A revoked node: forgotten by the caches, every connection of it closed now. */
  revoke(nodeId: string): void {
    this.auth.forget(nodeId);
    this.backends.forget(nodeId);
    for (const s of this.sessions.ofNode(nodeId)) s.destroy();
  }

  private accept(socket: Socket): void {
    const session = new ClientSession(this.sessions.newId(), socket, (s, args) => dispatch(this.ctx, s, args), isOrdered, (s) => this.closed(s));
    this.sessions.add(session);
  }

  private closed(s: ClientSession): void {
    this.sessions.remove(s);
    const wait = s.pendingWait;
    s.pendingWait = undefined;
    if (wait) void wait.cancel();
    const slot = s.consumerSlot;
    if (slot) {
      slot
        .detach(s.id)
        .catch((err) => this.log(`gridcore gateway: returning what ${slot.nodeId}.${slot.instance} held failed: ${(err as Error).message}`))
        .finally(() => this.backends.dropSlotIfIdle(slot));
    }
  }

  /** Stops listening, closes every connection and the task Redis connections. */
  async close(): Promise<void> {
    this.revocations?.unsubscribe();
    for (const s of this.sessions.all()) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.backends.close();
  }
}
