/** Task names: the original accepted anything; we keep them safe in URLs, files and logs. */
export const TASK_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,64}$/;
/** Node ids and run ids: the hub's own ids are UUIDs, a saved id may be any such string. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] as const;

/** The original's mapping from `uname -m` style names to Docker platforms; unknown → amd64. */
export function architectureToPlatform(architecture: string | undefined | null): string {
  switch (architecture) {
    case 'aarch64':
    case 'arm64':
      return 'linux/arm64';
    case 'arm':
    case 'armv7l':
      return 'linux/arm/v7';
    default:
      return 'linux/amd64';
  }
}

/** One line of printable text: no control characters (hostnames, versions, GPU names). */
export const PRINTABLE_LINE_PATTERN = /^[^\u0000-\u001f\u007f]+$/;
/** `uname -m` style names: x86_64, aarch64, arm, armv7l, ... */
export const ARCHITECTURE_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
