import { cpus, totalmem } from 'node:os';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { HeartbeatDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import type { RegisterNodeDto } from '@gridcore/contracts/nodes/register-node.dto';
import { NodeConfig } from '../config/node-config';
import { NodeIdentity } from '../config/node-identity';
import { GpuInventory } from '../host/gpu-inventory';
import { hostArchitecture, HostPlatform } from '../host/host-platform';
import { HostUsageMeter } from '../host/host-usage';
import { StopSignal } from '../lifecycle/stop-signal';
import type { OwnerWatch } from '../owner/owner-watch';
import { backoffDelay, sleep } from '../shared/backoff';
import { WorkReport } from '../shared/work-report';
import type { ParallelismRequest } from '../shared/parallelism-request';
import { TaskStream } from '../task/task-stream';
import { HubClient, RegisterAnswer } from './hub-client';
import { HubHttpError, NodeRevokedError, TokenRefusedError } from './hub-errors';
import { fitHeartbeat } from './heartbeat-fit';

export const AGENT_VERSION = '0.1.0';

/** How often the session compares the node's state with what it last reported. */
const STATE_POLL_MS = 200;
/** A state change is reported at once, but heartbeats never come closer together than this. */
export const MIN_HEARTBEAT_SPACING_MS = 1_000;

/**
 * The node's membership: register (with the saved id), heartbeat every `heartbeat_interval`
 * with the §2.6 body, and at once (at most one a second) when the node's state changed
 * (containers started, stopped, crashed, task switched); register again on a 404 or after the
 * hub was unreachable, write `state_dir/status.json` after each good heartbeat, deregister on
 * stop. A hub that refuses the token on register ends the agent: retrying cannot help.
 */
export class NodeSession {
  private readonly logger = new Logger('NodeSession');
  private readonly closed = new AbortController();
  private readonly meter = new HostUsageMeter();
  private loop?: Promise<void>;
  private mustRegister = false;
  private registeredOnce = false;
  private lastBeatAt = 0;
  /** The state the last heartbeat carried (see {@link stateFingerprint}). */
  private reportedState = '';
  /** Set when the agent must end for good: the hub revoked this node, or refused its token on a rejoin. */
  fatal: NodeRevokedError | TokenRefusedError | null = null;
  private markerWritten: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: NodeConfig,
    private readonly identity: NodeIdentity,
    private readonly hub: HubClient,
    private readonly stream: TaskStream,
    private readonly work: WorkReport,
    private readonly stopSignal: StopSignal,
    private readonly gpuInventory: GpuInventory,
    readonly platform: string,
    /** The owner's side (issue 20): the load value and the pause; absent in older specs. */
    private readonly owner?: Pick<OwnerWatch, 'load' | 'paused$'>,
    /** Where the hub's parallelism (heartbeat answer) goes; absent in older specs. */
    private readonly scale?: ParallelismRequest,
    /** The host's CPUs and memory as reported (the config may state them); absent in older specs: detected. */
    private readonly host?: Pick<HostPlatform, 'cpuCount' | 'memoryTotalMb'>,
  ) {
    // Any call may be the one that learns of a revocation (a heartbeat, the open long-poll).
    this.hub.onRevoked = (err) => this.revoked(err);
  }

  /** The hub revoked this node: leave the marker (before anything else), then stop everything. */
  private revoked(err: HubHttpError): void {
    if (this.fatal instanceof NodeRevokedError) return;
    const line = `the hub at ${this.hub.url} revoked node ${this.identity.id ?? '(unregistered)'} (${err.route}); it will not start again while ${this.identity.revokedFile} exists`;
    this.fatal = new NodeRevokedError(line);
    this.markerWritten = this.identity
      .markRevoked(`${new Date().toISOString()} ${line}`)
      .catch((e: Error) => this.logger.error(`could not write ${this.identity.revokedFile}: ${e.message}`));
    this.stopSignal.request('revoked');
  }

  private fail(error: TokenRefusedError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.stopSignal.request('refused');
  }

  /** Whether calls carry the node credential the hub issued (not the configured token). */
  private usingNodeToken(): boolean {
    return !!this.identity.nodeToken && this.hub.currentToken === this.identity.nodeToken;
  }

  /**
   * Registers, retrying with backoff until the hub answers (or the agent stops). A 401 or 403
   * throws {@link TokenRefusedError}: the token will not become valid by asking again.
   */
  async registerUntilDone(): Promise<boolean> {
    await this.gpuInventory.list();
    // A node credential saved for this id speaks for it from the first call on.
    if (this.identity.nodeToken) this.hub.useToken(this.identity.nodeToken);
    for (let failures = 0; !this.closed.signal.aborted; ) {
      try {
        await this.register();
        return true;
      } catch (err) {
        if (err instanceof HubHttpError && err.revoked) {
          await this.markerWritten;
          throw this.fatal ?? new NodeRevokedError(err.message);
        }
        if (err instanceof HubHttpError && (err.status === 401 || err.status === 403)) {
          throw new TokenRefusedError(this.hub.url, err.status, this.config.file, !!this.config.token);
        }
        failures++;
        const delay = backoffDelay(failures, 1_000, 30_000, 0.2);
        this.logger.warn(`register failed: ${(err as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, this.closed.signal);
      }
    }
    return false;
  }

  registerBody(): RegisterNodeDto {
    const body: RegisterNodeDto = {
      node_id: this.identity.id,
      hostname: this.config.hostname,
      architecture: hostArchitecture(),
      cpu_count: this.host?.cpuCount ?? cpus().length,
      platform: this.platform,
      version: AGENT_VERSION,
      labels: { ...this.config.labels },
      memory_total_mb: this.host?.memoryTotalMb ?? Math.round(totalmem() / (1024 * 1024)),
      gpus: this.gpuInventory.gpus.map((g) => ({ index: g.index, name: g.name, memory_total_mib: Math.round(g.memory_total_mib) })),
    };
    if (this.config.parallelism) body.parallelism = this.config.parallelism;
    return body;
  }

  private async register(): Promise<void> {
    let answer: RegisterAnswer;
    try {
      answer = await this.hub.register(this.registerBody());
    } catch (err) {
      if (!(err instanceof HubHttpError && err.status === 401 && !err.revoked && this.usingNodeToken())) throw err;
      answer = await this.rejoin(err);
    }
    if (answer.node_token) {
      await this.identity.saveCredential(answer.node_id, answer.node_token);
      this.hub.useToken(answer.node_token);
    } else if (answer.node_id !== this.identity.id) {
      await this.identity.save(answer.node_id);
    }
    this.mustRegister = false;
    this.registeredOnce = true;
    this.logger.log(`registered with ${this.hub.url} as ${answer.node_id}`);
  }

  /**
   * The hub does not know this node's credential (it removed the node while it was away): join
   * again, once, with the configured join token, under the saved id.
   */
  private rejoin(cause: HubHttpError): Promise<RegisterAnswer> {
    this.logger.warn(`the hub does not know this node's credential (${cause.message}); joining again with the configured token`);
    this.hub.useToken(this.config.token);
    return this.hub.register(this.registerBody());
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const signal = this.closed.signal;
    while (!signal.aborted) {
      await this.beat();
      await this.untilNextBeat(signal);
    }
  }

  /**
   * Waits out `heartbeat_interval`, or less once the state differs from the one last reported,
   * but never less than {@link MIN_HEARTBEAT_SPACING_MS} after the last beat. Comparing the state
   * itself, rather than having each worker announce its changes, means no change is missed,
   * whichever part of the node makes it.
   */
  private async untilNextBeat(signal: AbortSignal): Promise<void> {
    const due = this.lastBeatAt + this.config.heartbeatIntervalS * 1000;
    const earliest = this.lastBeatAt + MIN_HEARTBEAT_SPACING_MS;
    while (!signal.aborted) {
      const now = Date.now();
      if (now >= due) return;
      if (now >= earliest && this.stateFingerprint() !== this.reportedState) return;
      await sleep(Math.min(STATE_POLL_MS, due - now), signal);
    }
  }

  /** What a heartbeat says about the node's work, without the host usage that moves all the time. */
  stateFingerprint(): string {
    const task = this.stream.task$.value;
    const paused = this.owner?.paused$.value ?? null;
    return JSON.stringify([this.work.runtimeStatus(), this.work.activeContainers(), task ? task.task_name : null, this.work.instances(), paused]);
  }

  async heartbeatBody(): Promise<HeartbeatDto> {
    const task = this.stream.task$.value;
    const gpus = await this.gpuInventory.sample();
    return fitHeartbeat({
      node_id: this.identity.id!,
      status: this.work.runtimeStatus(),
      last_error: this.work.lastError(),
      active_containers: this.work.activeContainers(),
      task_name: task ? task.task_name : null,
      instances: this.work.instances(),
      not_running: this.work.notRunning(),
      usage: {
        cpu_pct: this.meter.cpuPct(),
        mem_pct: await this.meter.memPct(),
        ...this.meter.loads(),
        ...(this.owner ? { load: this.owner.load() } : {}),
        ...(gpus.length
          ? {
              gpus: gpus.map((g) => {
                const usage: { index: number; util_pct: number; mem_used_mib: number; mem_total_mib: number; temperature_c?: number; power_w?: number } = {
                  index: g.index,
                  util_pct: g.util_pct,
                  mem_used_mib: g.mem_used_mib,
                  mem_total_mib: g.memory_total_mib,
                };
                if (g.temperature_c !== undefined) usage.temperature_c = g.temperature_c;
                if (g.power_w !== undefined) usage.power_w = g.power_w;
                return usage;
              }),
            }
          : {}),
      },
      ...(this.owner ? { paused: this.owner.paused$.value } : {}),
    });
  }

  /** One heartbeat; never throws. */
  async beat(): Promise<void> {
    this.lastBeatAt = Date.now();
    // Counted as reported even if this beat fails: a failing hub gets the regular retries, not one a second.
    this.reportedState = this.stateFingerprint();
    try {
      if (this.mustRegister && (await this.stopRequestedBeforeRegistering())) return;
      if (this.mustRegister) await this.register();
      let answer;
      try {
        answer = await this.hub.heartbeat(await this.heartbeatBody());
      } catch (err) {
        if (err instanceof HubHttpError && err.status === 401 && !err.revoked && this.usingNodeToken()) {
          await this.rejoinOrFail(err);
          if (this.fatal) return;
          answer = await this.hub.heartbeat(await this.heartbeatBody());
          await this.writeStatus();
          return this.obey(answer);
        }
        if (!(err instanceof HubHttpError && err.status === 404)) throw err;
        // The hub does not know us (it lost its records): register again with the saved id.
        this.logger.warn(`the hub does not know node ${this.identity.id}; registering again`);
        await this.register();
        answer = await this.hub.heartbeat(await this.heartbeatBody());
      }
      await this.writeStatus();
      this.obey(answer);
    } catch (err) {
      // Revoked or refused for good: the agent is stopping, nothing to retry.
      if (this.fatal) return;
      // A hub that comes back after a restart gets a fresh registration first.
      this.mustRegister = true;
      this.logger.warn(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  private obey(answer: { stop_requested: boolean; parallelism?: number | null }): void {
    if (answer.stop_requested) this.stopSignal.request('hub');
    // The hub's scale (issue 20 point 4): null hands the count back to the node's own setting.
    if (this.scale && answer.parallelism !== undefined) this.scale.set(answer.parallelism);
  }

  /** Rejoins after a 401 on the node credential; a join token refused too ends the agent (exit 3). */
  private async rejoinOrFail(cause: HubHttpError): Promise<void> {
    try {
      const answer = await this.rejoin(cause);
      if (answer.node_token) {
        await this.identity.saveCredential(answer.node_id, answer.node_token);
        this.hub.useToken(answer.node_token);
      }
      this.logger.log(`registered again with ${this.hub.url} as ${answer.node_id}`);
    } catch (err) {
      if (err instanceof HubHttpError && !err.revoked && (err.status === 401 || err.status === 403)) {
        this.logger.error(err.message);
        return this.fail(new TokenRefusedError(this.hub.url, err.status, this.config.file, !!this.config.token));
      }
      throw err;
    }
  }

  /**
   * A fresh registration clears the hub's stop flag (SPEC §2.4), so after an outage the node asks
   * once with a heartbeat whether a stop was requested meanwhile before it registers again.
   */
  private async stopRequestedBeforeRegistering(): Promise<boolean> {
    if (!this.registeredOnce) return false;
    const answer = await this.hub.heartbeat(await this.heartbeatBody()).catch(() => null);
    if (!answer?.stop_requested) return false;
    this.stopSignal.request('hub');
    return true;
  }

  /** `{last_heartbeat_ok, node_id, pid}` for the HEALTHCHECK and the k8s liveness probe. */
  private async writeStatus(): Promise<void> {
    const file = join(this.config.stateDir, 'status.json');
    const tmp = `${file}.${process.pid}.tmp`;
    await mkdir(this.config.stateDir, { recursive: true });
    await writeFile(tmp, JSON.stringify({ last_heartbeat_ok: Date.now(), node_id: this.identity.id, pid: process.pid }));
    await rename(tmp, file);
  }

  /** Ends the heartbeat loop (a revocation's marker is on disk once this resolves). */
  async close(): Promise<void> {
    this.closed.abort();
    await this.loop;
    await this.markerWritten;
  }

  async deregister(): Promise<void> {
    const id = this.identity.id;
    if (!id) return;
    try {
      await this.hub.deregister(id);
      this.logger.log(`deregistered ${id}`);
    } catch (err) {
      this.logger.warn(`deregister failed: ${(err as Error).message}`);
    }
  }
}
