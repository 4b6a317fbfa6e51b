import type { InstanceUsageDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import type { ContainerRuntime } from '@gridcore/docker-runtime';
import { sleep } from '../shared/backoff';

/** How often a running container's CPU use is read: its last reading is what an exit leaves. */
export const USAGE_SAMPLE_MS = 1_000;

/**
 * What one container used, cumulative since it started: CPU-seconds read from the engine (its
 * cgroup's counter, through container stats), GPU-seconds integrated from the node's nvidia-smi
 * readings while it held GPUs. Read every second while it runs, because a container that has
 * exited has no counter left to read: its last reading stands.
 */
export class ContainerUsageMeter {
  private cpuS = 0;
  private gpuS = 0;
  private readonly stopped = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly containerId: string,
    /** GPU-seconds per second this container is charged now (0 without GPUs). */
    private readonly gpuShare: () => number,
    private readonly everyMs = USAGE_SAMPLE_MS,
  ) {
    this.loop = this.run();
  }

  get usage(): InstanceUsageDto {
    return { cpu_s: round3(this.cpuS), gpu_s: round3(this.gpuS) };
  }

  /** Takes one last reading (the container may still be there) and stops reading. */
  async stop(): Promise<InstanceUsageDto> {
    this.stopped.abort();
    await this.loop;
    await this.read();
    return this.usage;
  }

  private async run(): Promise<void> {
    const signal = this.stopped.signal;
    let last = Date.now();
    while (!signal.aborted) {
      await this.read();
      await sleep(this.everyMs, signal);
      const now = Date.now();
      this.gpuS += (Math.max(0, this.gpuShare()) * (now - last)) / 1000;
      last = now;
    }
  }

  private async read(): Promise<void> {
    try {
      const cpu = await this.runtime.cpuSeconds(this.containerId);
      // A counter only grows; a gone container reads as null or 0 and leaves the last reading.
      if (cpu !== null && cpu > this.cpuS) this.cpuS = cpu;
    } catch {
      // Gone or the engine away: the last reading stands.
    }
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
