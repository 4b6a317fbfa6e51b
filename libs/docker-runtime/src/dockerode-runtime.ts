import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import {
  ContainerConfinement,
  ContainerDetails,
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ManagedContainer,
} from './container-runtime';
import { dockerDetail, mapDockerError } from './docker-errors';
import { DockerLogFrames } from './docker-log-frames';
import { ContainerNotFoundError } from './errors/container-not-found.error';
import { DockerUnreachableError } from './errors/docker-unreachable.error';
import { ImageNotFoundError } from './errors/image-not-found.error';
import { ImagePullError } from './errors/image-pull.error';
import { RuntimeError } from './errors/runtime-error';
import { RuntimeTimeoutError } from './errors/runtime-timeout.error';
import { SingleFlight } from './single-flight';

export interface DockerodeRuntimeOptions {
  /** Unix socket of the engine; default `/var/run/docker.sock`. */
  socketPath?: string;
  /** Deadline of every short call (inspect, create, start, remove, list); default 15 s. */
  callTimeoutMs?: number;
  /** Deadline of one pull attempt; default 10 min. */
  pullTimeoutMs?: number;
  /** Pull attempts before giving up on a recoverable failure; default 3. */
  pullAttempts?: number;
  /** First pause between pull attempts, doubled each time; default 1 s. */
  pullBackoffMs?: number;
  /** An existing client (tests). */
  docker?: Docker;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Registry answers that mean "this image does not exist there": retrying cannot help. */
const MISSING_IMAGE = /not found|manifest unknown|pull access denied|repository does not exist|invalid reference/i;

function envToMap(env: string[] | null | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of env ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0) map[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return map;
}

/**
 * The dockerode adapter of {@link ContainerRuntime}. Every call but `wait` has a deadline (it
 * aborts the HTTP request and rejects with a recoverable {@link RuntimeTimeoutError}); `wait` and
 * `engineLost` are watches, not calls, so they run until the container exits, the engine goes away
 * or the caller aborts them.
 */
export class DockerodeRuntime extends ContainerRuntime {
  readonly socket: string;
  private readonly docker: Docker;
  private readonly callTimeoutMs: number;
  private readonly pullTimeoutMs: number;
  private readonly pullAttempts: number;
  private readonly pullBackoffMs: number;
  private readonly pulls = new SingleFlight<void>();

  constructor(options: DockerodeRuntimeOptions = {}) {
    super();
    this.socket = options.socketPath ?? DEFAULT_SOCKET;
    this.docker = options.docker ?? new Docker({ socketPath: this.socket });
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 600_000;
    this.pullAttempts = Math.max(1, options.pullAttempts ?? 3);
    this.pullBackoffMs = options.pullBackoffMs ?? 1_000;
  }

  /** Runs one engine call with a deadline; maps whatever fails to a typed error. */
  private async call<T>(
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    opts: { timeoutMs?: number; notFound?: () => RuntimeError } = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.callTimeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The abort ends the HTTP request; the race guarantees the deadline even if a call ignored it.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new RuntimeTimeoutError(what, timeoutMs));
      }, timeoutMs);
    });
    try {
      return await Promise.race([fn(controller.signal), deadline]);
    } catch (err) {
      throw mapDockerError(err, { what, socket: this.socket, timeoutMs, notFound: opts.notFound });
    } finally {
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    await this.call('ping', (abortSignal) => this.docker.ping({ abortSignal } as never) as unknown as Promise<unknown>);
  }

  ensureImage(image: string): Promise<void> {
    return this.pulls.run(image, async () => {
      if (await this.hasImage(image)) return;
      await this.pullWithRetry(image);
    });
  }

  private async hasImage(image: string): Promise<boolean> {
    try {
      await this.call(`inspect image ${image}`, (abortSignal) => this.docker.getImage(image).inspect({ abortSignal } as never) as unknown as Promise<unknown>, {
        notFound: () => new ImageNotFoundError(image, 'not present'),
      });
      return true;
    } catch (err) {
      if (err instanceof ImageNotFoundError) return false;
      throw err;
    }
  }

  private async pullWithRetry(image: string): Promise<void> {
    let last: RuntimeError | undefined;
    for (let attempt = 1; attempt <= this.pullAttempts; attempt++) {
      try {
        await this.pullOnce(image);
        return;
      } catch (err) {
        last = err as RuntimeError;
        if (!last.recoverable) throw last;
        // An engine that went away is the caller's to wait for, not a pull failure to retry.
        if (last instanceof DockerUnreachableError && !(await this.ping().then(() => true, () => false))) throw last;
        if (attempt < this.pullAttempts) await new Promise((r) => setTimeout(r, this.pullBackoffMs * 2 ** (attempt - 1)));
      }
    }
    throw new ImagePullError(image, this.pullAttempts, last?.message ?? 'unknown error', { cause: last });
  }

  private pullOnce(image: string): Promise<void> {
    return this.call(
      `pull ${image}`,
      async (abortSignal) => {
        let stream: NodeJS.ReadableStream;
        try {
          stream = await this.docker.pull(image, { abortSignal });
        } catch (err) {
          throw this.pullError(image, err);
        }
        await new Promise<void>((resolve, reject) => {
          this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(this.pullError(image, err)) : resolve()));
        });
      },
      { timeoutMs: this.pullTimeoutMs },
    );
  }

  private pullError(image: string, err: unknown): RuntimeError {
    const detail = dockerDetail(err);
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404 || MISSING_IMAGE.test(detail)) return new ImageNotFoundError(image, detail, { cause: err });
    return mapDockerError(err, { what: `pull ${image}`, socket: this.socket, timeoutMs: this.pullTimeoutMs });
  }

  async create(spec: ContainerSpec): Promise<string> {
    // An init as PID 1 (docker run --init) passes SIGTERM on to the program: a program that has
    // not installed its handler yet (a stop right after a start) ends at once instead of holding
    // the stop for the whole grace time, as PID 1 ignores signals it does not handle.
    const hostConfig: Docker.HostConfig = { Init: true };
    if (spec.cpus !== undefined && spec.cpus > 0) hostConfig.NanoCpus = Math.round(spec.cpus * 1e9);
    if (spec.memoryMb !== undefined && spec.memoryMb > 0) hostConfig.Memory = Math.round(spec.memoryMb * 1024 * 1024);
    if (spec.gpus !== undefined && spec.gpus > 0) {
      // What `docker run --gpus N` sends: any driver that offers the "gpu" capability.
      hostConfig.DeviceRequests = [{ Driver: '', Count: spec.gpus, DeviceIDs: null as unknown as string[], Capabilities: [['gpu']], Options: {} }];
    }
    if (spec.networkMode) hostConfig.NetworkMode = spec.networkMode;
    if (spec.confinement) Object.assign(hostConfig, confinedHostConfig(spec.confinement));
    const options: Docker.ContainerCreateOptions = {
      Image: spec.image,
      name: spec.name,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: { ...spec.labels },
      HostConfig: hostConfig,
    };
    if (spec.cmd) options.Cmd = spec.cmd;
    const container = await this.call(`create container from ${spec.image}`, (abortSignal) =>
      this.docker.createContainer({ ...options, abortSignal } as Docker.ContainerCreateOptions),
      { notFound: () => new ImageNotFoundError(spec.image, 'not present') },
    );
    return container.id;
  }

  async startCreated(id: string): Promise<void> {
    await this.call(`start ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }), {
      notFound: () => new ContainerNotFoundError(id),
    });
  }

  async start(spec: ContainerSpec): Promise<string> {
    const id = await this.create(spec);
    try {
      await this.startCreated(id);
    } catch (err) {
      await this.remove(id).catch(() => undefined);
      throw err;
    }
    return id;
  }

  async stop(id: string, timeoutS: number): Promise<void> {
    const t = Math.max(0, Math.round(timeoutS));
    try {
      // The engine sends SIGTERM, waits t seconds, then SIGKILL; our deadline covers that grace.
      await this.call(`stop ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).stop({ t, abortSignal }), {
        timeoutMs: t * 1000 + this.callTimeoutMs,
        notFound: () => new ContainerNotFoundError(id),
      });
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return;
      // 304: already stopped.
      if ((err as { cause?: { statusCode?: number } }).cause?.statusCode === 304) return;
      throw err;
    }
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.call(`kill ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).kill({ signal, abortSignal }), {
      notFound: () => new ContainerNotFoundError(id),
    });
  }

  override async pause(id: string): Promise<void> {
    await this.call(`pause ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).pause({ abortSignal }), {
      notFound: () => new ContainerNotFoundError(id),
    });
  }

  override async unpause(id: string): Promise<void> {
    await this.call(`unpause ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).unpause({ abortSignal }), {
      notFound: () => new ContainerNotFoundError(id),
    });
  }

  override async updateCpus(id: string, cpus: number): Promise<void> {
    await this.call(`update ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).update({ NanoCpus: Math.round(cpus * 1e9), abortSignal }), {
      notFound: () => new ContainerNotFoundError(id),
    });
  }

  async remove(id: string): Promise<void> {
    try {
      await this.call(`remove ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).remove({ force: true, v: true, abortSignal }), {
        notFound: () => new ContainerNotFoundError(id),
      });
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return;
      // 409 "removal already in progress": someone else is removing it.
      if ((err as { cause?: { statusCode?: number } }).cause?.statusCode === 409) return;
      throw err;
    }
  }

  async wait(id: string, signal?: AbortSignal): Promise<ContainerExit> {
    const short = id.slice(0, 12);
    for (;;) {
      if (signal?.aborted) throw new RuntimeError('WAIT_ABORTED', `wait for ${short} aborted`, true);
      try {
        const result = await this.watchExit(id, signal);
        const details = await this.inspect(id).catch(() => null);
        return {
          exitCode: result.StatusCode,
          oomKilled: details?.oomKilled ?? false,
          error: result.Error?.Message || undefined,
          imageId: details?.imageId,
        };
      } catch (err) {
        if (signal?.aborted) throw new RuntimeError('WAIT_ABORTED', `wait for ${short} aborted`, true, { cause: err });
        const mapped = mapDockerError(err, { what: `wait ${short}`, socket: this.socket, timeoutMs: 0, notFound: () => new ContainerNotFoundError(id) });
        if (!mapped.recoverable) throw mapped;
        // The watch broke. An engine that answers shows how the container is; one that does not
        // makes inspect fail, and the caller hears that the engine is gone.
        const details = await this.inspect(id);
        if (!details.running && details.state !== 'created') {
          return { exitCode: details.exitCode ?? -1, oomKilled: details.oomKilled, imageId: details.imageId };
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /**
   * `POST /containers/{id}/wait`, read by hand: docker-modem settles a call only on the answer's
   * `end`, and the socket of a SIGKILLed dockerd just closes, so its own wait would hang forever.
   */
  private watchExit(id: string, signal?: AbortSignal): Promise<{ StatusCode: number; Error?: { Message?: string } | null }> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/containers/${id}/wait?`,
          method: 'POST',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
          options: {},
        },
        (err: unknown, answer: unknown) => {
          if (err) return reject(err);
          const res = answer as IncomingMessage;
          let body = '';
          let ended = false;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('error', () => undefined); // 'close' follows and decides
          res.on('end', () => {
            ended = true;
            try {
              resolve(JSON.parse(body));
            } catch {
              reject(new Error(`unreadable answer to wait: ${body.slice(0, 200)}`));
            }
          });
          res.on('close', () => {
            if (!ended) reject(Object.assign(new Error('the engine closed the wait before the container exited'), { code: 'ECONNRESET' }));
          });
        },
      );
    });
  }

  async engineLost(signal?: AbortSignal): Promise<RuntimeError> {
    // Only daemon events: the stream stays quiet, and what matters is that it breaks.
    const filters = JSON.stringify({ type: ['daemon'] });
    let stream: NodeJS.ReadableStream & { destroy(): void };
    try {
      stream = (await this.call('watch events', (abortSignal) =>
        this.docker.getEvents({ filters, abortSignal } as Docker.GetEventsOptions),
      )) as NodeJS.ReadableStream & { destroy(): void };
    } catch (err) {
      if (signal?.aborted) throw new RuntimeError('WATCH_ABORTED', 'engine watch closed', true, { cause: err });
      throw err;
    }
    return new Promise<RuntimeError>((resolve, reject) => {
      let settled = false;
      const settle = (reason: string) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        stream.destroy();
        if (signal?.aborted) reject(new RuntimeError('WATCH_ABORTED', 'engine watch closed', true));
        else resolve(new DockerUnreachableError(this.socket, reason));
      };
      const onAbort = () => settle('closed');
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', () => undefined);
      stream.on('error', (err: NodeJS.ErrnoException) => settle(`event stream broke: ${err.code ?? err.message}`));
      stream.on('end', () => settle('event stream ended'));
      stream.on('close', () => settle('event stream closed'));
    });
  }

  async inspect(id: string): Promise<ContainerDetails> {
    const info = await this.call(`inspect ${id.slice(0, 12)}`, (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }), {
      notFound: () => new ContainerNotFoundError(id),
    });
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      labels: { ...(info.Config.Labels ?? {}) },
      env: envToMap(info.Config.Env),
      state: info.State.Status as ContainerState,
      running: info.State.Running,
      exitCode: typeof info.State.ExitCode === 'number' ? info.State.ExitCode : null,
      oomKilled: Boolean(info.State.OOMKilled),
      imageId: typeof info.Image === 'string' ? info.Image : undefined,
    };
  }

  override async lastLogLines(id: string, lines: number): Promise<string> {
    const raw = await this.call(`logs ${id.slice(0, 12)}`, () =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail: lines }) as unknown as Promise<Buffer>,
      { notFound: () => new ContainerNotFoundError(id) },
    );
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  async listManaged(labels: Record<string, string>): Promise<ManagedContainer[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    const list = await this.call('list containers', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: JSON.stringify(filters), abortSignal } as Docker.ContainerListOptions),
    );
    return list.map((c) => ({ id: c.Id, labels: { ...(c.Labels ?? {}) }, state: c.State as ContainerState }));
  }
  override async followOutput(id: string, onOutput: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    // A watch, not a call: no deadline; it ends with the container (or the caller's abort).
    let stream: NodeJS.ReadableStream & { destroy?(): void };
    try {
      stream = (await this.docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, abortSignal: signal } as never)) as unknown as NodeJS.ReadableStream;
    } catch (err) {
      if (signal?.aborted) return;
      throw mapDockerError(err, { what: `logs ${id.slice(0, 12)}`, socket: this.socket, timeoutMs: 0, notFound: () => new ContainerNotFoundError(id) });
    }
    const frames = new DockerLogFrames(onOutput);
    await new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        stream.destroy?.();
        done();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (chunk: Buffer) => frames.push(chunk));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }

  override async cpuSeconds(id: string): Promise<number | null> {
    // one-shot: the engine answers from one reading instead of waiting a second for a second one.
    const stats = (await this.call(`stats ${id.slice(0, 12)}`, (abortSignal) =>
      this.docker.getContainer(id).stats({ stream: false, 'one-shot': true, abortSignal } as never) as unknown as Promise<unknown>,
      { notFound: () => new ContainerNotFoundError(id) },
    )) as { cpu_stats?: { cpu_usage?: { total_usage?: number } } };
    const ns = stats?.cpu_stats?.cpu_usage?.total_usage;
    return typeof ns === 'number' && Number.isFinite(ns) && ns > 0 ? ns / 1e9 : null;
  }
}

/** What `docker run --cap-drop ALL --security-opt no-new-privileges --pids-limit N [--read-only --tmpfs /tmp]` sends. */
export function confinedHostConfig(confinement: ContainerConfinement): Docker.HostConfig {
  const host: Docker.HostConfig = { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: confinement.pidsLimit };
  if (!confinement.writableRootfs) {
    host.ReadonlyRootfs = true;
    // Counted against the container's memory limit, so it needs no size of its own.
    host.Tmpfs = { '/tmp': 'rw,nosuid,nodev,mode=1777' };
  }
  return host;
}

/**
 * Docker's log stream of a container without a TTY: frames of an 8-byte header (stream type,
 * 3 zero bytes, big-endian length) and the payload. Anything else is taken as plain text.
 */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const type = raw[at];
    if (type > 2 || raw[at + 1] !== 0 || raw[at + 2] !== 0 || raw[at + 3] !== 0) return raw.toString('utf8');
    const len = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
  if (at < raw.length && parts.length === 0) return raw.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
