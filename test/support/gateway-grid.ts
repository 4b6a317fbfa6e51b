import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { QUICK_HUB_TICKS, RealGrid, RealGridOptions } from './real-grid';

/** The join token the volunteer node of a gateway grid registers with (a `node_tokens` entry). */
export const GATEWAY_VOLUNTEER_TOKEN = 'gateway-volunteer-join-token-01';

export interface GatewayGrid {
  grid: RealGrid;
  /** The hub's in-process gateway, as the node's containers reach it. */
  gatewayUrl: string;
  gatewayPort: number;
}

/**
 * A {@link RealGrid} whose hub runs the data gateway in-process (gateway_bind on loopback) and
 * whose node is a volunteer (a join token, then its own credential), so its tasks go through
 * the gateway. The gateway's port stays across hub restarts.
 */
export async function startGatewayGrid(options: RealGridOptions = {}): Promise<GatewayGrid> {
  const gatewayPort = await freePort();
  const grid = await RealGrid.start({
    ...options,
    hubEnv: { ...QUICK_HUB_TICKS, COMPUTEHUB_NODE_TOKENS: GATEWAY_VOLUNTEER_TOKEN, COMPUTEHUB_GATEWAY_BIND: `127.0.0.1:${gatewayPort}`, ...options.hubEnv },
    agentEnv: { GRIDNODE_TOKEN: GATEWAY_VOLUNTEER_TOKEN, ...options.agentEnv },
  });
  return { grid, gatewayPort, gatewayUrl: `redis://127.0.0.1:${gatewayPort}` };
}

/** The node credential the volunteer node saved in its state folder. */
export function savedNodeCredential(grid: RealGrid): string {
  return (JSON.parse(readFileSync(join(grid.agent.stateDir, 'node_credential.json'), 'utf8')) as { node_token: string }).node_token;
}
