import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Whether the machine runs on battery now (Linux power-supply class): a battery that says it is
 * discharging while no mains adapter is online. No power-supply folder (a server, a VM): never.
 */
export async function onBattery(dir = '/sys/class/power_supply'): Promise<boolean> {
  let supplies: string[];
  try {
    supplies = await readdir(dir);
  } catch {
    return false;
  }
  let discharging = false;
  let mainsOnline = false;
  for (const name of supplies) {
    const read = (file: string) => readFile(join(dir, name, file), 'utf8').then((s) => s.trim(), () => '');
    const type = await read('type');
    if (type === 'Battery' && (await read('status')) === 'Discharging') discharging = true;
    if ((type === 'Mains' || type === 'USB') && (await read('online')) === '1') mainsOnline = true;
  }
  return discharging && !mainsOnline;
}
