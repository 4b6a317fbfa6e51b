import { GpuSample, probeGpus } from './nvidia-smi';

/**
 * The node's GPUs: listed once when the node registers (the hub and the workers' fit checks use
 * that list), sampled again for each heartbeat's usage.
 */
export class GpuInventory {
  private listed: GpuSample[] = [];

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
    return this.listed.length ? this.probe() : [];
  }
}
