/**
 * What the node asks of a container engine, in its own words. No engine types cross this port:
 * the dockerode adapter is one implementation, a fake in a unit spec is another.
 */
import type { RuntimeError } from './errors/runtime-error';

/** One container to run. Sizes are the task's; the adapter maps them to engine fields. */
export interface ContainerSpec {
  image: string;
  /** Optional container name (unique on the engine). */
  name?: string;
  /** Overrides the image's CMD. */
  cmd?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** CPUs, fractions allowed (0.5); enforced as NanoCpus, never the Windows-only CpuCount. */
  cpus?: number;
  /** Memory limit in MB. */
  memoryMb?: number;
  /** GPUs requested per container, as `docker run --gpus N` does (DeviceRequests). */
  gpus?: number;
  /** `host`, `bridge`, `none`, or a network name. */
  networkMode?: string;
  /** Confine what the container's processes may do; absent: the engine's defaults. */
  confinement?: ContainerConfinement;
}

/**
 * A task container as a stranger's machine should run it: every Linux capability dropped,
 * no privileges gained through setuid binaries, a bound on processes (a fork bomb stops there),
 * and unless `writableRootfs`, a read-only root filesystem with a writable tmpfs at `/tmp`.
 */
export interface ContainerConfinement {
  pidsLimit: number;
  writableRootfs: boolean;
}

/** How a container ended. */
export interface ContainerExit {
  exitCode: number;
  /** The kernel's OOM killer ended it (exit code 137 then). */
  oomKilled: boolean;
  /** The engine's own error text, if any (e.g. a failed start). */
  error?: string;
  /** The image's id (`sha256:...`) it ran, when the engine says. */
  imageId?: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container as inspected: what the reconciler needs to requeue a crashed agent's work. */
export interface ContainerDetails {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  /** The container's env as a map (`K=V` pairs split at the first `=`). */
  env: Record<string, string>;
  state: ContainerState;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  /** The image's id (`sha256:...`) the container runs, when the engine says. */
  imageId?: string;
}

/** A labelled container as listed. */
export interface ManagedContainer {
  id: string;
  labels: Record<string, string>;
  state: ContainerState;
}

/**
 * The container runtime port. Every method fails with a {@link RuntimeError} whose
 * `recoverable` says whether trying again later can help.
 */
export abstract class ContainerRuntime {
  /** Checks that the engine answers. */
  abstract ping(): Promise<void>;
  /**
   * Makes sure `image` is present: pulls only when it is missing, once per image however many
   * callers ask at the same time, with retry on recoverable failures.
   */
  abstract ensureImage(image: string): Promise<void>;
  /** Creates a container without starting it; returns its id. */
  abstract create(spec: ContainerSpec): Promise<string>;
  /** Starts a created container. */
  abstract startCreated(id: string): Promise<void>;
  /** Creates and starts a container; returns its id. A container that fails to start is removed. */
  abstract start(spec: ContainerSpec): Promise<string>;
  /** SIGTERM, up to `timeoutS` seconds of grace, then SIGKILL. A stopped or missing container is fine. */
  abstract stop(id: string, timeoutS: number): Promise<void>;
  /** Sends one signal (SIGKILL by default) without waiting. */
  abstract kill(id: string, signal?: string): Promise<void>;
  /** Removes a container (forcefully, with its anonymous volumes). A missing container is fine. */
  abstract remove(id: string): Promise<void>;
  /**
   * Resolves when the container has exited. `signal` aborts the wait (not the container). When the
   * engine goes away meanwhile it rejects with a recoverable {@link RuntimeError} (the container's
   * fate is then unknown until the engine answers again); it never hangs on a dead connection.
   */
  abstract wait(id: string, signal?: AbortSignal): Promise<ContainerExit>;
  /**
   * Holds a watch on the engine (its event stream) and resolves with the reason once that watch
   * breaks: the engine died, restarted or closed it. Rejects when the watch cannot be opened, and
   * when `signal` aborts it.
   */
  abstract engineLost(signal?: AbortSignal): Promise<RuntimeError>;
  /**
   * Freezes every process of a running container (`docker pause`, the cgroup freezer): it keeps
   * its memory and work and uses no CPU until {@link unpause}. Concrete so a runtime that cannot
   * (and every fake in a unit spec) need not implement it.
   */
  pause(id: string): Promise<void> {
    return Promise.reject(new Error(`this container runtime cannot pause ${id.slice(0, 12)}`));
  }
  /** Thaws a container {@link pause} froze. */
  unpause(id: string): Promise<void> {
    return Promise.reject(new Error(`this container runtime cannot unpause ${id.slice(0, 12)}`));
  }
  /** Changes a running container's CPU limit (NanoCpus) in place, as `docker update --cpus` does. */
  updateCpus(id: string, cpus: number): Promise<void> {
    return Promise.reject(new Error(`this container runtime cannot update ${id.slice(0, 12)} to ${cpus} CPUs`));
  }
  abstract inspect(id: string): Promise<ContainerDetails>;
  /** Containers (running or not) that carry every one of `labels`. */
  abstract listManaged(labels: Record<string, string>): Promise<ManagedContainer[]>;
  /**
   * Follows a container's stdout and stderr from its start, calling `onOutput` with each piece
   * as written (the two interleaved); resolves once the stream ends (the container exited) or
   * `signal` aborts. An engine that offers no logs resolves at once (the default).
   */
  followOutput(id: string, onOutput: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void> {
    void id;
    void onOutput;
    void signal;
    return Promise.resolve();
  }
  /** CPU-seconds a running container used since it started, or null when the engine cannot say (the default). */
  cpuSeconds(id: string): Promise<number | null> {
    void id;
    return Promise.resolve(null);
  }
  /**
   * The last `lines` lines a container wrote (stdout and stderr interleaved), read before it is
   * removed so a crash shows why (issue 19). An engine that cannot tell answers ''.
   */
  lastLogLines(_id: string, _lines: number): Promise<string> {
    return Promise.resolve('');
  }
}
