import { startRedis, RunningRedis } from '../../support/redis-server';
import { HubProcess, HubProcessOptions, startHubProcess } from '../../support/hub-process';
import { startAgent, AgentProcess } from './agent-process';
import { waitForNodeId } from './grid';
import { ensureTestImage, removeLabelled, requireDockerEngine } from './test-image';

/** One agent on the real Docker engine against a hub process and a redis-server. */
export interface AgentGrid {
  redis: RunningRedis;
  hub: HubProcess;
  agent: AgentProcess;
  nodeId: string;
  /** The test worker image, built if it was not there. */
  image: string;
  /** Kills the agent, removes its containers, stops the hub and Redis. */
  stop(): Promise<void>;
}

/** Starts it all; `agentEnv` is added to the agent's server URL and token. Cleans up after itself if a part fails. */
export async function startAgentGrid(options: { hub?: HubProcessOptions; agentEnv: Record<string, string> }): Promise<AgentGrid> {
  requireDockerEngine();
  const image = ensureTestImage();
  let redis: RunningRedis | undefined;
  let hub: HubProcess | undefined;
  let agent: AgentProcess | undefined;
  let nodeId: string | undefined;
  const stop = async () => {
    agent?.signal('SIGKILL');
    if (nodeId) removeLabelled(`gridcore.node=${nodeId}`);
    await hub?.stop();
    await redis?.stop();
  };
  try {
    redis = await startRedis();
    hub = await startHubProcess(options.hub);
    const started = startAgent({ GRIDNODE_SERVER_URL: hub.url, GRIDNODE_TOKEN: hub.token, ...options.agentEnv });
    agent = started;
    nodeId = await waitForNodeId(started.stateDir).catch((err) => {
      throw new Error(`${err.message}\n${started.output()}`);
    });
    return { redis, hub, agent, nodeId, image, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
