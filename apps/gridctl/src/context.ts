import { Command } from 'commander';
import Redis from 'ioredis';
import { connectTaskRedis, HubClient, OperatorError, readCaFile, RedisTarget, resolveTaskRedis, TaskRecord } from '@gridcore/operator';
import { ProfileStore } from './profiles';

/** Options every command shares (set on the root program). */
export interface GlobalOptions {
  cluster?: string;
  caFile?: string;
}

/** What a command needs: the chosen cluster, a hub client, and the task Redis rules. */
export class CliContext {
  private constructor(
    readonly clusterName: string,
    readonly hub: HubClient,
    private readonly redisPassword: string | undefined,
    readonly profileRedisUrl: string | undefined,
  ) {}

  static fromCommand(command: Command): CliContext {
    const options = command.optsWithGlobals<GlobalOptions>();
    const store = new ProfileStore();
    const { name, profile, credentials } = store.resolve(options.cluster);
    const token = process.env.GRIDCTL_TOKEN || credentials.token;
    if (!token) throw new OperatorError(`no token for cluster ${name}: add one to ${store.credentialsPath} (gridctl cluster add ${name} --token ...)`);
    // --ca-file, else GRIDCTL_CA_FILE, else the profile's ca_file; none: the system CAs only.
    const caFile = options.caFile || process.env.GRIDCTL_CA_FILE || profile.ca_file;
    const ca = caFile ? readCaFile(caFile, options.caFile || process.env.GRIDCTL_CA_FILE ? '--ca-file' : `ca_file of cluster ${name}`) : null;
    return new CliContext(name, new HubClient(profile.computehub_url, token, { ca }), credentials.redis_password, profile.redis_url);
  }

  /** The profile's redis_url with the stored password filled in (what `task add` registers by default). */
  defaultRedisUrl(): string | undefined {
    if (!this.profileRedisUrl) return undefined;
    const u = new URL(this.profileRedisUrl);
    if (this.redisPassword && !u.password) u.password = encodeURIComponent(this.redisPassword);
    return u.toString().replace(/\/$/, '');
  }

  /** The task's record, or one line saying it does not exist. */
  async task(name: string): Promise<TaskRecord> {
    return this.hub.getTask(name);
  }

  redisTarget(task: TaskRecord, which: 'input' | 'output'): RedisTarget {
    const url = which === 'input' ? task.input_redis : task.output_redis ?? task.input_redis;
    const target = resolveTaskRedis(url, task.name, { password: this.redisPassword, profileUrl: this.profileRedisUrl, cluster: this.clusterName });
    return { ...target, tlsCa: task.redis_tls_ca ?? null };
  }

  async redis(task: TaskRecord, which: 'input' | 'output'): Promise<{ client: Redis; target: RedisTarget }> {
    const target = this.redisTarget(task, which);
    return { client: await connectTaskRedis(target), target };
  }
}

/** Queue name of a task, or one line saying the task does not name it. */
export function queueOf(task: TaskRecord, which: 'input' | 'output'): string {
  const queue = which === 'input' ? task.input_queue : task.output_queue;
  if (!queue) throw new OperatorError(`task ${task.name} has no ${which}_queue (its image hard-codes it): gridctl cannot reach it`);
  return queue;
}

/** Prints a value as JSON on stdout (for `--json`). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
