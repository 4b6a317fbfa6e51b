import Redis, { Cluster } from 'ioredis';
import { DeliveryMode, decideDeliveryMode } from '../delivery-mode';
import { connectRedis, RedisClient, safeRedisOptions } from '../redis-client';
import { redisTlsOptions } from '../redis-tls';
import { classifyError } from './error-rule';
import type { Lane } from './lanes';
import type { WorkerSettings } from './settings';
import { within } from './stop-signal';

/** A lost connection or a reply that says "try again" (error-rule.ts); not an unknown error. */
export function isConnectionProblem(err: unknown): boolean {
  const kind = classifyError(err);
  return kind === 'connection' || kind === 'transient' || kind === 'briefly';
}

/**
 * The worker's connections: one for take/ack/renew, one for at-least-once output pushes, one
 * per lane for BLMOVE (on a cluster, to the master owning Q's slot), and a control connection
 * there for CLIENT UNBLOCK.
 */
export class Connections {
  main!: RedisClient;
  out?: RedisClient;
  mode!: DeliveryMode;
  private control?: Redis;
  private readonly blocking: Redis[] = [];

  constructor(
    private readonly s: WorkerSettings,
    private readonly log: (line: string) => void,
  ) {}

  /** Connects the main (and when needed the output) connection and decides the delivery mode. */
  async open(): Promise<DeliveryMode> {
    const s = this.s;
    this.main = await connectRedis(s.inputUrl, { name: `gridcore-worker:${s.nodeId}:${s.instance}`, log: this.log, tlsCa: s.tlsCa });
    const cluster = this.main instanceof Cluster;
    this.mode = decideDeliveryMode({ inputUrl: s.inputUrl, outputUrl: s.outputUrl, inputQueue: s.inputQueue, outputQueue: s.outputQueue, cluster });
    if (this.mode.mode !== 'exactly-once') this.out = await connectRedis(s.outputUrl, { name: 'gridcore-worker-output', log: this.log, tlsCa: s.tlsCa });
    return this.mode;
  }

  /** Resolves when the main connection is ready again, or when `stopped` settles. */
  whenReady(stopped: Promise<void>): Promise<void> {
    if (this.main.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.main.off('ready', done);
        resolve();
      };
      this.main.once('ready', done);
      void stopped.then(done);
    });
  }

  /** The lane's own BLMOVE connection, opened on first use. */
  async blockingConnection(lane: Lane, slot: number): Promise<Redis> {
    if (lane.blockingConn) return lane.blockingConn;
    const name = `gridcore-worker-block-${lane.index}`;
    let conn: Redis;
    const tls = redisTlsOptions(this.s.inputUrl, this.s.tlsCa);
    if (this.main instanceof Cluster) {
      const owner = (this.main.slots[slot] ?? [])[0];
      if (!owner) throw new Error(`no cluster node owns slot ${slot}`);
      const [host, port] = [owner.slice(0, owner.lastIndexOf(':')), Number(owner.slice(owner.lastIndexOf(':') + 1))];
      const { username, password } = this.main.options.redisOptions ?? {};
      conn = new Redis({ ...safeRedisOptions(name), ...tls, host, port, username, password });
      if (!this.control) {
        this.control = new Redis({ ...safeRedisOptions('gridcore-worker-control'), ...tls, host, port, username, password });
        this.control.on('error', () => undefined);
        await this.control.connect();
      }
    } else {
      conn = new Redis(this.s.inputUrl, { ...safeRedisOptions(name), ...tls });
    }
    conn.on('error', () => undefined);
    lane.blockingConn = conn;
    this.blocking.push(conn);
    await conn.connect();
    return conn;
  }

  /** Ends every pending BLMOVE with CLIENT UNBLOCK (one not yet blocking is unblocked again). */
  async unblockAll(lanes: Lane[], blockMs: number): Promise<void> {
    const control = (this.control ?? this.main) as Redis;
    await Promise.all(
      lanes.map(async (lane) => {
        const deadline = Date.now() + blockMs + 2000;
        while (lane.blocking && Date.now() < deadline) {
          const pendingMove = lane.blocking;
          try {
            const id = await lane.blockingId;
            if (id !== undefined) await control.client('UNBLOCK', id);
          } catch {
            // the connection is gone; the BLMOVE ends with it
          }
          await within(pendingMove, 50);
        }
      }),
    );
  }

  closeAll(): void {
    for (const conn of this.blocking) conn.disconnect();
    this.control?.disconnect();
    this.out?.disconnect();
    this.main?.disconnect();
  }
}
