import { TOKENS, HubValues } from '../support/hub-app';
import { HubWithRedis, startHubWithRedis } from '../support/hub-with-redis';
import { ensureGridctlBuilt, Gridctl } from './gridctl-cli';

/** A built gridctl whose cluster `lab` points at a fresh hub and redis-server; close() also removes its config. */
export async function startGridctlLab(cli: Gridctl, values: HubValues): Promise<HubWithRedis> {
  ensureGridctlBuilt();
  const grid = await startHubWithRedis(values);
  const close = async () => {
    await grid.close();
    cli.cleanup();
  };
  try {
    await cli.ok(['cluster', 'add', 'lab', '--hub', grid.hub.url, '--redis', grid.redis.url, '--token', TOKENS.admin]);
  } catch (err) {
    await close();
    throw err;
  }
  return { ...grid, close };
}
