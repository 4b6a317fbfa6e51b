import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ContainerRuntime } from '@gridcore/docker-runtime';
import { GpuInventory } from '../host/gpu-inventory';
import { parseNvidiaCsv } from '../host/nvidia-smi';
import { ContainerUsageMeter } from './container-usage';

const FIXTURES = resolve(__dirname, '../host/__fixtures__/nvidia-smi');

/** A runtime whose CPU counter is whatever the test sets (null: the container is gone). */
function counter(): { runtime: ContainerRuntime; set(v: number | null): void } {
  let value: number | null = 0;
  return { runtime: { cpuSeconds: async () => value } as unknown as ContainerRuntime, set: (v) => (value = v) };
}

describe('ContainerUsageMeter', () => {
  it('keeps the highest CPU reading: a container gone after its exit leaves its last one', async () => {
    const cpu = counter();
    const meter = new ContainerUsageMeter(cpu.runtime, 'c1', () => 0, 10);
    cpu.set(1.5);
    await new Promise((r) => setTimeout(r, 40));
    cpu.set(null);
    await new Promise((r) => setTimeout(r, 30));
    expect(await meter.stop()).toEqual({ cpu_s: 1.5, gpu_s: 0 });
  });

  it('integrates GPU-seconds from nvidia-smi readings (a busy H100 of the fixtures)', async () => {
    const busy = parseNvidiaCsv(readFileSync(join(FIXTURES, 'nvidia-smi-busy.csv'), 'utf8'));
    const gpus = new GpuInventory(async () => busy.slice(-1));
    await gpus.list();
    await gpus.sample();
    const fraction = gpus.busy();
    expect(fraction).toBeGreaterThan(0);
    const meter = new ContainerUsageMeter(counter().runtime, 'c1', () => gpus.busy(), 20);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    const usage = await meter.stop();
    const seconds = (Date.now() - t0) / 1000;
    expect(usage.gpu_s).toBeGreaterThan(0);
    expect(usage.gpu_s).toBeLessThanOrEqual(fraction * seconds + 0.01);
    expect(usage.gpu_s).toBeGreaterThanOrEqual(fraction * 0.1);
  });
});
