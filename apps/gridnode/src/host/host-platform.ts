import { arch, cpus, totalmem } from 'node:os';
import { architectureToPlatform } from '@gridcore/contracts/names';

/** `uname -m` names, as the original sends them. */
export function hostArchitecture(nodeArch: string = arch()): string {
  switch (nodeArch) {
    case 'x64':
      return 'x86_64';
    case 'arm64':
      return 'aarch64';
    case 'arm':
      return 'arm';
    default:
      return nodeArch;
  }
}

/** The host's platform (`linux/amd64`, ...) as the hub matches a task's images against it. */
export class HostPlatform {
  readonly architecture = hostArchitecture();
  readonly name: string;
  readonly cpuCount: number;
  readonly memoryTotalMb: number;

  /** `stated`: what gridnode.toml says instead (`platform`, `cpu_count`, `memory_total_mb`). */
  constructor(stated: { platform?: string | null; cpuCount?: number | null; memoryTotalMb?: number | null } = {}) {
    this.name = stated.platform ?? architectureToPlatform(this.architecture);
    this.cpuCount = stated.cpuCount ?? cpus().length;
    this.memoryTotalMb = stated.memoryTotalMb ?? Math.round(totalmem() / (1024 * 1024));
  }
}
