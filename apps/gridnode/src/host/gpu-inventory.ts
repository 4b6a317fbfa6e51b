import { GpuSample, probeGpus } from './nvidia-smi';

/**
 * The node's GPUs: listed once when the node registers (the hub and the workers' fit checks use
 * that list), sampled again for each heartbeat's usage.
 */
export class GpuInventory {
  private listed: GpuSample[] = [];
  private latest: GpuSample[] = [];

  constructor(private readonly probe: () => Promise<GpuSample[]> = () => probeGpus()) {}

  get gpus(): readonly GpuSample[] {
    return this.listed;
  }

  /** Lists the GPUs again and keeps the list. */
  async list(): Promise<readonly GpuSample[]> {
    this.listed = await this.probe();
    return this.listed;
  }

  /** Current usage of the listed GPUs; none asked for when the node has none. */
  async sample(): Promise<GpuSample[]> {
    if (!this.listed.length) return [];
    this.latest = await this.probe();
    return this.latest;
  }

  /** The GPUs' busy fraction at the last sample, summed over them (2 GPUs at 50 %: 1). */
  busy(): number {
    return this.latest.reduce((sum, g) => sum + Math.max(0, Math.min(100, g.util_pct)) / 100, 0);
  }
}
