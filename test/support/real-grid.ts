import Redis from 'ioredis';
import { AgentProcess, startAgent } from '../node/support/agent-process';
import { nodeContainers, waitForNodeId } from '../node/support/grid';
import { ensureSdkWorkerImage } from '../node/support/sdk-worker-image';
import { removeLabelled, requireDockerEngine } from '../node/support/test-image';
import { HubProcess, startHubProcess } from './hub-process';
import { waitFor } from './ports';
import { RunningRedis, startRedis } from './redis-server';

export interface RealGridOptions {
  /** The GridNode's parallelism (2 when not given). */
  parallelism?: number;
  /** Starts the redis-server with this password. */
  redisPassword?: string;
  hubEnv?: Record<string, string>;
  agentEnv?: Record<string, string>;
  /** Builds the reference sqrt worker image (TypeScript SDK) first, as {@link RealGrid.image}. */
  sdkImage?: boolean;
}

/** Progress samples every second and cleanup every two, so a test sees auto-finish and reaps in seconds. */
export const QUICK_HUB_TICKS: Readonly<Record<string, string>> = { COMPUTEHUB_PROGRESS_INTERVAL_S: '1', COMPUTEHUB_CLEANUP_INTERVAL_S: '2' };

/** How long a stopping agent may take to stop its containers before it is killed. */
const AGENT_STOP_MS = 15_000;

/**
 * One whole grid for a test, every part real: a redis-server, the built hub and one built
 * GridNode agent as processes on loopback, containers with host networking. The agent and the hub
 * can be killed and started again on the same state (the chaos test does).
 */
export class RealGrid {
  redis!: RunningRedis;
  client!: Redis;
  hub!: HubProcess;
  agent!: AgentProcess;
  nodeId = '';
  private sdkWorkerImage: string | null = null;
  /** Every earlier agent's output, across restarts. */
  private readonly agentLogs: string[] = [];

  private constructor(private readonly options: RealGridOptions) {}

  /** Starts every part; a part that fails to start stops those already running. */
  static async start(options: RealGridOptions = {}): Promise<RealGrid> {
    requireDockerEngine();
    const grid = new RealGrid(options);
    try {
      if (options.sdkImage) grid.sdkWorkerImage = await ensureSdkWorkerImage();
      grid.redis = await startRedis({ password: options.redisPassword });
      grid.client = new Redis(grid.redis.url);
      grid.hub = await startHubProcess({ env: { ...options.hubEnv } });
      grid.agent = startAgent(grid.nodeEnv());
      grid.nodeId = await waitForNodeId(grid.agent.stateDir);
    } catch (err) {
      await grid.stop();
      throw err;
    }
    return grid;
  }

  /** The SDK sqrt worker image (only when the grid was started with `sdkImage`). */
  get image(): string {
    if (!this.sdkWorkerImage) throw new Error('start the grid with { sdkImage: true } to use the SDK worker image');
    return this.sdkWorkerImage;
  }

  private nodeEnv(): Record<string, string> {
    return {
      GRIDNODE_SERVER_URL: this.hub.url,
      GRIDNODE_TOKEN: this.hub.token,
      GRIDNODE_PARALLELISM: String(this.options.parallelism ?? 2),
      ...this.options.agentEnv,
    };
  }

  /** All output of every agent process so far. */
  agentOutput(): string {
    return [...this.agentLogs, this.agent?.output() ?? ''].join('\n');
  }

  /** SIGTERMs the agent (it stops its containers and deregisters) and waits for it to be gone. */
  async stopAgent(): Promise<number | string> {
    this.agent.signal('SIGTERM');
    const code = await this.agent.exited;
    this.agentLogs.push(this.agent.output());
    return code;
  }

  /** SIGKILLs the agent (its containers keep running) and waits for it to be gone. */
  async killAgent(): Promise<void> {
    this.agent.signal('SIGKILL');
    await this.agent.exited;
    this.agentLogs.push(this.agent.output());
  }

  /** Starts the agent again on the same state folder (same node id), optionally with more env. */
  async startAgentAgain(extraEnv: Record<string, string> = {}): Promise<void> {
    this.agent = startAgent({ ...this.nodeEnv(), ...extraEnv }, { stateDir: this.agent.stateDir });
    await waitFor(() => /registered with .* as /.test(this.agent.output()), 30_000, 'the restarted agent registered', 100);
  }

  /** Stops the hub (SIGTERM) and starts it again on the same port, state and token. */
  async restartHub(): Promise<void> {
    const { port, stateDir, token } = this.hub;
    await this.hub.stop();
    this.hub = await startHubProcess({ port, stateDir, token, env: { ...this.options.hubEnv } });
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

  /**
   * Stops the agent as an operator would (SIGTERM; SIGKILL after 15 s), removes its containers,
   * stops the hub and Redis. Safe after a failed start.
   */
  async stop(): Promise<void> {
    if (this.agent) {
      this.agent.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const exited = await Promise.race([this.agent.exited, new Promise((r) => (timer = setTimeout(r, AGENT_STOP_MS, 'timeout')))]);
      clearTimeout(timer);
      if (exited === 'timeout') this.agent.signal('SIGKILL');
    }
    if (this.nodeId) removeLabelled(`gridcore.node=${this.nodeId}`);
    this.client?.disconnect();
    await this.hub?.stop();
    await this.redis?.stop();
  }
}
