import Redis, { RedisOptions } from 'ioredis';
import { decideDeliveryMode, loadProtocol, loadScripts, Protocol, QueueKeys, QueueScript, redisTlsOptions } from '@gridcore/queue';
import type { KeyRole } from '@gridcore/queue';
import type { GatewayTaskRoute } from '../gateway-directory';
import { WaitList } from './wait-list';

/** What one script call answered: its reply, or Redis's error text. */
export type ScriptOutcome = { reply: unknown } | { error: string };

function redisOptions(url: string, ca: string | null, name: string): RedisOptions {
  return {
    ...redisTlsOptions(url, ca),
    connectionName: name,
    lazyConnect: true,
    // A script sent once is never re-sent on its own: a repeated take or ack is not safe.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    // Written at once rather than batched to the next tick: the original consumer's per-item
    // takes wait on this latency, and arrival order is kept either way.
    enableAutoPipelining: false,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
}

/**
 * One task's Redis as the gateway uses it, with the gateway's own (the task's) credentials: a
 * command connection every client's scripts go through in arrival order, an output connection
 * when the output list lives on another server, and the blocking connection of the wait list.
 */
export class TaskBackend {
  readonly keys: QueueKeys;
  readonly protocol: Protocol;
  readonly scripts: Map<string, QueueScript>;
  /** SHA1 -> script name, for the protocol's own scripts only. */
  readonly bySha = new Map<string, string>();
  /** The output list is on the input's server: acks push results themselves (exactly-once). */
  readonly sameServer: boolean;
  readonly cmd: Redis;
  readonly out: Redis;
  readonly waits: WaitList;
  /** Every key by its manifest role, the output role being the task's output list. */
  readonly roles: Readonly<Record<KeyRole, string>>;
  leaseS = 60;
  private blocker?: Redis;
  private opened?: Promise<void>;
  /** open() has finished (the hot path skips awaiting it). */
  isOpen = false;

  constructor(readonly route: GatewayTaskRoute) {
    this.keys = new QueueKeys(route.input_queue);
    this.protocol = loadProtocol();
    this.scripts = loadScripts();
    for (const s of this.scripts.values()) this.bySha.set(s.sha, s.name);
    const k = this.keys;
    this.roles = Object.freeze({
      input: k.input, seq: k.seq, leases: k.leases, taken: k.taken, retry: k.retry, attempts: k.attempts,
      dead: k.dead, stats: k.stats, config: k.config, causes: k.causes, output: route.output_queue,
    });
    this.sameServer =
      decideDeliveryMode({ inputUrl: route.input_redis, outputUrl: route.output_redis, inputQueue: route.input_queue, outputQueue: route.output_queue, cluster: false })
        .mode === 'exactly-once';
    this.cmd = new Redis(route.input_redis, redisOptions(route.input_redis, route.redis_tls_ca, `gridcore-gateway:${route.name}`));
    this.cmd.on('error', () => undefined);
    this.out = this.sameServer ? this.cmd : new Redis(route.output_redis, redisOptions(route.output_redis, route.redis_tls_ca, `gridcore-gateway-out:${route.name}`));
    this.out.on('error', () => undefined);
    this.waits = new WaitList(k.input, () => this.blockingConnection(), this.cmd);
  }

  /** Connects, loads the protocol's scripts and reads lease_s; once, shared by every caller. */
  open(): Promise<void> {
    this.opened ??= (async () => {
      await this.cmd.connect();
      if (this.out !== this.cmd) await this.out.connect();
      await this.loadScripts();
      const lease = await this.cmd.hget(this.keys.config, 'lease_s');
      if (lease !== null && Number(lease) > 0) this.leaseS = Number(lease);
      this.isOpen = true;
    })().catch((err) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  private async loadScripts(): Promise<void> {
    await Promise.all([...this.scripts.values()].map((s) => this.cmd.script('LOAD', s.source)));
  }

  private async blockingConnection(): Promise<Redis> {
    if (this.blocker && this.blocker.status === 'ready') return this.blocker;
    if (!this.blocker) {
      const r = this.route;
      this.blocker = new Redis(r.input_redis, { ...redisOptions(r.input_redis, r.redis_tls_ca, `gridcore-gateway-wait:${r.name}`), enableAutoPipelining: false });
      this.blocker.on('error', () => undefined);
      await this.blocker.connect();
    } else {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('task redis unreachable')), 5000);
        this.blocker?.once('ready', () => (clearTimeout(t), resolve()));
      });
    }
    return this.blocker;
  }

  /** Runs a protocol script by name; a NOSCRIPT (a restarted Redis) reloads the scripts and runs it once more. */
  async run(name: string, keys: readonly string[], args: readonly (string | number)[]): Promise<ScriptOutcome> {
    const script = this.scripts.get(name);
    if (!script) return { error: `ERR gridcore gateway: unknown script ${name}` };
    try {
      return { reply: await this.cmd.evalsha(script.sha, keys.length, ...keys, ...args) };
    } catch (err) {
      const message = (err as Error).message;
      if (!message.startsWith('NOSCRIPT')) return { error: message };
    }
    try {
      await this.loadScripts();
      return { reply: await this.cmd.evalsha(script.sha, keys.length, ...keys, ...args) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  /**
   * Several script calls in one write to Redis (an ioredis pipeline on the command connection,
   * so arrival order is kept): each its own outcome. A NOSCRIPT one (a restarted Redis: it ran
   * nothing) is run once more alone after the scripts are reloaded.
   */
  async runMany(calls: readonly { name: string; keys: readonly string[]; args: readonly (string | number)[] }[]): Promise<ScriptOutcome[]> {
    if (calls.length === 1) return [await this.run(calls[0].name, calls[0].keys, calls[0].args)];
    const pipeline = this.cmd.pipeline();
    for (const c of calls) {
      const script = this.scripts.get(c.name);
      if (!script) throw new Error(`gridcore gateway: unknown script ${c.name}`);
      pipeline.evalsha(script.sha, c.keys.length, ...c.keys, ...c.args);
    }
    let replies: [Error | null, unknown][];
    try {
      replies = ((await pipeline.exec()) ?? []) as [Error | null, unknown][];
    } catch (err) {
      return calls.map(() => ({ error: (err as Error).message }));
    }
    const outcomes: ScriptOutcome[] = [];
    for (let i = 0; i < calls.length; i++) {
      const [err, reply] = replies[i] ?? [new Error('ERR gridcore gateway: no reply from the task redis'), null];
      if (!err) outcomes.push({ reply });
      else if (err.message.startsWith('NOSCRIPT')) outcomes.push(await this.run(calls[i].name, calls[i].keys, calls[i].args));
      else outcomes.push({ error: err.message });
    }
    return outcomes;
  }

  /** KEYS of a script by the manifest, the output role given (the output list, or Q). */
  keysOf(name: string, output = this.roles.output): string[] {
    return this.protocol.keys(name, { ...this.roles, output });
  }

  async close(): Promise<void> {
    this.isOpen = false;
    await this.waits.cancelAll();
    this.blocker?.disconnect();
    if (this.out !== this.cmd) this.out.disconnect();
    this.cmd.disconnect();
  }
}
