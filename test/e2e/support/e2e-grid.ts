import Redis from 'ioredis';
import { QueueKeys } from '@gridcore/queue';
import { startRedis, RunningRedis } from '../../support/redis-server';
import { HubProcess, startHubProcess } from '../../support/hub-process';
import { waitFor } from '../../support/ports';
import { AgentProcess, startAgent } from '../../node/support/agent-process';
import { nodeContainers, waitForNodeId } from '../../node/support/grid';
import { removeLabelled } from '../../node/support/test-image';

/**
 * One whole grid for an e2e test, every part real: a redis-server, the built hub and one built
 * GridNode agent as processes on loopback, containers with host networking. The agent and the hub
 * can be killed and started again on the same state (the chaos test does).
 */
export class E2eGrid {
  redis!: RunningRedis;
  hub!: HubProcess;
  agent!: AgentProcess;
  nodeId = '';
  client!: Redis;
  /** Every agent's output, across restarts. */
  private agentLogs: string[] = [];

  constructor(
    readonly parallelism: number,
    private readonly hubEnv: Record<string, string> = {},
    private readonly agentEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<this> {
    this.redis = await startRedis();
    this.client = new Redis(this.redis.url);
    this.hub = await startHubProcess({ env: { COMPUTEHUB_PROGRESS_INTERVAL_S: '1', COMPUTEHUB_CLEANUP_INTERVAL_S: '2', ...this.hubEnv } });
    this.agent = startAgent(this.nodeEnv());
    this.nodeId = await waitForNodeId(this.agent.stateDir);
    return this;
  }

  private nodeEnv(): Record<string, string> {
    return { GRIDNODE_SERVER_URL: this.hub.url, GRIDNODE_TOKEN: this.hub.token, GRIDNODE_PARALLELISM: String(this.parallelism), ...this.agentEnv };
  }

  /** All output of every agent process so far. */
  agentOutput(): string {
    return [...this.agentLogs, this.agent?.output() ?? ''].join('\n');
  }

  /** SIGKILLs the agent (its containers keep running) and waits for it to be gone. */
  async killAgent(): Promise<void> {
    this.agent.signal('SIGKILL');
    await this.agent.exited;
    this.agentLogs.push(this.agent.output());
  }

  /** Starts the agent again on the same state folder (same node id). */
  async startAgentAgain(): Promise<void> {
    this.agent = startAgent(this.nodeEnv(), { stateDir: this.agent.stateDir });
    await waitFor(() => /registered with .* as /.test(this.agent.output()), 30_000, 'the restarted agent registered', 100);
  }

  /** Stops the hub (SIGTERM) and starts it again on the same port, state and token. */
  async restartHub(): Promise<void> {
    const { port, stateDir, token } = this.hub;
    await this.hub.stop();
    this.hub = await startHubProcess({ port, stateDir, token, env: { COMPUTEHUB_PROGRESS_INTERVAL_S: '1', COMPUTEHUB_CLEANUP_INTERVAL_S: '2', ...this.hubEnv } });
  }

  async addTask(body: Record<string, unknown>): Promise<void> {
    const res = await this.hub.api('POST', '/api/tasks', body);
    if (res.status !== 201) throw new Error(`POST /api/tasks answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  async task(name: string): Promise<any> {
    return (await this.hub.api('GET', `/api/tasks/${name}`)).body;
  }

  /** Running containers of this node (optionally of one task). */
  containers(task?: string) {
    return nodeContainers(this.nodeId, task);
  }

  /** LPUSHes `items` in pipelined chunks (input order: the first item is taken first). */
  async push(queue: string, items: string[], chunk = 1000): Promise<void> {
    const pipeline = this.client.pipeline();
    for (let i = 0; i < items.length; i += chunk) pipeline.lpush(queue, ...items.slice(i, i + chunk));
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async stop(): Promise<void> {
    this.agent?.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([this.agent?.exited, new Promise((r) => (timer = setTimeout(r, 15_000, 'timeout')))]);
    clearTimeout(timer);
    if (exited === 'timeout') this.agent.signal('SIGKILL');
    if (this.nodeId) removeLabelled(`gridcore.node=${this.nodeId}`);
    this.client?.disconnect();
    await this.hub?.stop();
    await this.redis?.stop();
  }
}

/** Every key of a queue that must be empty once a task is done and its workers are gone. */
export async function leftovers(client: Redis, queue: string) {
  const k = new QueueKeys(queue);
  const batchKeys: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${k.batchPrefix}*`, 'COUNT', 1000);
    cursor = next;
    batchKeys.push(...keys);
  } while (cursor !== '0');
  const [input, retry, leases, taken, dead] = await Promise.all([
    client.llen(k.input),
    client.llen(k.retry),
    client.zcard(k.leases),
    client.hlen(k.taken),
    client.lrange(k.dead, 0, -1),
  ]);
  return { input, retry, leases, taken, batchKeys, dead };
}

/**
 * Checks `n:sqrt(n)` results against the inputs `1..count` (minus `except`), numerically (the
 * original consumer writes `4.0:2.0`). Returns what is wrong: missing, duplicated, unexpected or
 * incorrect items, each as a count with a few examples.
 */
export function checkSqrtResults(results: string[], count: number, except: Set<string> = new Set()) {
  const seen = new Map<number, number>();
  const wrong: string[] = [];
  const unexpected: string[] = [];
  for (const r of results) {
    const colon = r.indexOf(':');
    const n = Number(r.slice(0, colon));
    const root = Number(r.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(n) || n < 1 || n > count || except.has(String(n))) {
      unexpected.push(r);
      continue;
    }
    if (Math.abs(root - Math.sqrt(n)) > 1e-9 * Math.max(1, root)) wrong.push(r);
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const missing: number[] = [];
  const duplicated: number[] = [];
  for (let n = 1; n <= count; n++) {
    if (except.has(String(n))) continue;
    const c = seen.get(n) ?? 0;
    if (c === 0) missing.push(n);
    else if (c > 1) duplicated.push(n);
  }
  return {
    distinct: seen.size,
    missing: missing.length,
    duplicated: duplicated.length,
    unexpected: unexpected.length,
    wrong: wrong.length,
    examples: { missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5), unexpected: unexpected.slice(0, 5), wrong: wrong.slice(0, 5) },
  };
}

export function range(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1));
}
