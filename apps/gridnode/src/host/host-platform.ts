import { arch, cpus } from 'node:os';
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
  readonly name = architectureToPlatform(this.architecture);
  readonly cpuCount = cpus().length;
}
