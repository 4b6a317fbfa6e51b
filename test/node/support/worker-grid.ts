import Redis from 'ioredis';
import { HubProcess, startHubProcess } from '../../support/hub-process';
import { RunningRedis, startRedis } from '../../support/redis-server';
import { AgentProcess, startAgent } from './agent-process';
import { waitForNodeId } from './grid';
import { ensureSdkWorkerImage } from './sdk-worker-image';
import { removeLabelled, requireDockerEngine } from './test-image';

/** A real grid on this machine: redis-server, the built hub, one GridNode, the SDK sqrt image. */
export interface WorkerGrid {
  redis: RunningRedis;
  client: Redis;
  hub: HubProcess;
  agent: AgentProcess;
  nodeId: string;
  image: string;
  /** Kills the agent, removes its containers, stops the hub and Redis; safe after a failed start. */
  stop(): Promise<void>;
}

export async function startWorkerGrid(options: { redisPassword?: string; hubEnv?: Record<string, string>; parallelism?: number } = {}): Promise<WorkerGrid> {
  requireDockerEngine();
  const grid: Partial<WorkerGrid> = {};
  const stop = async () => {
    grid.agent?.signal('SIGKILL');
    if (grid.nodeId) removeLabelled(`gridcore.node=${grid.nodeId}`);
    grid.client?.disconnect();
    await grid.hub?.stop();
    await grid.redis?.stop();
  };
  try {
    grid.image = await ensureSdkWorkerImage();
    grid.redis = await startRedis({ password: options.redisPassword });
    grid.client = new Redis(grid.redis.url);
    grid.hub = await startHubProcess(options.hubEnv ? { env: options.hubEnv } : {});
    grid.agent = startAgent({
      GRIDNODE_SERVER_URL: grid.hub.url,
      GRIDNODE_TOKEN: grid.hub.token,
      GRIDNODE_PARALLELISM: String(options.parallelism ?? 2),
    });
    grid.nodeId = await waitForNodeId(grid.agent.stateDir);
  } catch (err) {
    await stop();
    throw err;
  }
  return { ...(grid as Omit<WorkerGrid, 'stop'>), stop };
}
