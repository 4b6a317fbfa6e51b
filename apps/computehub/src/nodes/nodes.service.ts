import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { architectureToPlatform, HeartbeatDto, NodeRecordDto, NotRunningDto, RegisterNodeDto } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { ConflictError } from '../errors/conflict.error';
import { InvalidRequestError } from '../errors/invalid-request.error';
import { NodeLimitError } from '../errors/node-limit.error';
import { NotFoundError } from '../errors/not-found.error';
import { StateUnavailableError } from '../errors/state-unavailable.error';
import { EventBus } from '../events/event-bus';
import { jsonArrayChunks } from '../http/json-array-chunks';
import { NodeRecord, persistedPart } from './node-record';
import { NodeChange, NodeStore } from './node-store';
import { nodeView, publicNode } from './node-views';
import { sameNotRunning } from '../runnability/node-verdict';
import { unlessChanged } from './unchanged';

/**
 * Per-node figures (processed counts in progress and in /metrics) are kept for at most this many
 * registered nodes: whatever a task's workers write into its Redis, the hub's share stays small.
 */
export const PER_NODE_FIGURES_MAX = 1_000;

/** One page of `GET /api/nodes?limit=N&after=ID`: the id to continue after, if more follow. */
/** A heartbeat as it was heard (the usage ledger reads them all). */
export interface HeartbeatHeard {
  nodeId: string;
  beat: HeartbeatDto;
  atMs: number;
}

export interface NodePage {
  nodes: NodeRecordDto[];
  next: string | null;
}

/** At most one node.updated event a second per node. */
const UPDATE_EVENT_INTERVAL_MS = 1_000;
/**
 * Heartbeat-only changes (last seen) are saved at most this often: a stale last-seen only
 * matters for removal after a restart, and saving on every beat would write all the time.
 */
const HEARTBEAT_SAVE_INTERVAL_MS = 5 * 60_000;

/**
 * Owns node records (at most `max_nodes`). Registrations, stops and departures save the one
 * record they change before they are answered; heartbeats only mark their record dirty, and the
 * cleanup tick saves the dirty ones, so a busy grid does not write on every beat.
 */
@Injectable()
export class NodesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Nodes');
  private readonly nodes = new Map<string, NodeRecord>();
  /** Records whose last-seen changed since they were saved. */
  private readonly dirty = new Set<string>();
  private lastSaveMs = Date.now();
  /** Ids in order for paging; rebuilt when a node comes or goes. */
  private sortedIds: string[] | null = null;
  private readonly heard = new Subject<HeartbeatHeard>();
  /** Every accepted heartbeat, as it is recorded. */
  readonly heartbeats$ = this.heard.asObservable();

  constructor(
    private readonly store: NodeStore,
    private readonly bus: EventBus,
    private readonly config: HubConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const saved of await this.store.load()) {
      this.nodes.set(saved.id, {
        ...saved,
        online: false,
        runtime_status: null,
        last_error: null,
        active_containers: 0,
        task_name: null,
        instances: [],
        usage: null,
        last_update_event_ms: 0,
      });
    }
    this.logger.log(`${this.nodes.size} node records loaded (offline until their next heartbeat)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.saveDirty().catch(() => undefined);
    await this.store.close();
  }

  /** The records as they are now, without copying them (metrics, the runnability tracker's pass). */
  records(): IterableIterator<NodeRecord> {
    return this.nodes.values();
  }

  /** The registered nodes whose per-node figures are kept: online ones first, at most `max`. */
  figureNodeIds(max = PER_NODE_FIGURES_MAX): string[] {
    const online: string[] = [];
    const offline: string[] = [];
    for (const node of this.nodes.values()) {
      if (node.online) online.push(node.id);
      else if (offline.length < max) offline.push(node.id);
      if (online.length >= max) break;
    }
    return online.concat(offline).slice(0, max);
  }

  /** Every record as a JSON array, in chunks (an answer of any size is never one string). */
  listJsonChunks(): Generator<string> {
    // The records of this moment: one that leaves and registers again mid-stream is not doubled.
    return jsonArrayChunks([...this.nodes.values()], publicNode);
  }

  /** At most `limit` nodes by id, those after `after` (which need not be a known id). */
  page(limit: number | undefined, after?: string): NodePage {
    if (limit === undefined) throw new InvalidRequestError('after needs limit (GET /api/nodes?limit=N&after=ID)');
    const ids = (this.sortedIds ??= [...this.nodes.keys()].sort());
    let start = 0;
    if (after !== undefined) {
      let high = ids.length;
      while (start < high) {
        const mid = (start + high) >>> 1;
        if (ids[mid] <= after) start = mid + 1;
        else high = mid;
      }
    }
    const slice = ids.slice(start, start + limit);
    const nodes = slice.map((id) => this.nodes.get(id)).filter((n): n is NodeRecord => !!n).map(publicNode);
    const next = start + limit < ids.length && slice.length > 0 ? slice[slice.length - 1] : null;
    return { nodes, next };
  }

  find(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  isStopRequested(id: string | undefined): boolean {
    return !!id && !!this.nodes.get(id)?.stop_requested;
  }

  /** A fresh id for a node that registers without one. */
  newNodeId(): string {
    return randomUUID();
  }

  /** Registers a node, new or known (its saved id); a fresh registration clears a stop request. */
  async register(dto: RegisterNodeDto): Promise<NodeRecord> {
    const id = dto.node_id ?? randomUUID();
    const known = this.nodes.get(id);
    const max = this.config.values.max_nodes;
    // Records of nodes that left are history: the oldest one makes room before anyone is refused.
    const evicted = !known && this.nodes.size >= max ? this.oldestDeparted() : undefined;
    if (!known && this.nodes.size >= max && !evicted) {
      const who = dto.node_id ? `node ${id}` : 'a new node';
      throw new NodeLimitError(`the hub keeps at most ${max} node records (max_nodes); ${who} cannot register now`);
    }
    const now = Date.now();
    const node: NodeRecord = {
      id,
      hostname: dto.hostname,
      architecture: dto.architecture,
      cpu_count: dto.cpu_count,
      platform: dto.platform ?? architectureToPlatform(dto.architecture),
      version: dto.version ?? null,
      labels: dto.labels ?? {},
      memory_total_mb: dto.memory_total_mb ?? null,
      parallelism: dto.parallelism ?? null,
      gpus: dto.gpus ?? [],
      registered_at: new Date(now).toISOString(),
      last_seen_ms: now,
      stop_requested: false,
      // An operator's scale outlives a re-registration (a restarted agent comes back at that size).
      ...(known?.requested_parallelism !== undefined ? { requested_parallelism: known.requested_parallelism, scale_ceiling: known.scale_ceiling } : {}),
      online: true,
      runtime_status: known?.runtime_status ?? null,
      last_error: known?.last_error ?? null,
      active_containers: known?.active_containers ?? 0,
      task_name: known?.task_name ?? null,
      instances: known?.instances ?? [],
      usage: known?.usage ?? null,
      last_update_event_ms: 0,
    };
    await this.commit(
      () => {
        if (evicted) this.drop(evicted.id);
        this.put(node);
      },
      () => {
        if (known) this.put(known);
        else this.drop(id);
        if (evicted) this.put(evicted);
      },
      [...(evicted ? [{ remove: evicted.id }] : []), { put: persistedPart(node) }],
    );
    if (evicted) this.bus.publish('node.removed', publicNode(evicted));
    this.bus.publish('node.registered', publicNode(node));
    return node;
  }

  /** Records a heartbeat; answers whether the node is asked to stop. */
  heartbeat(dto: HeartbeatDto): { stop_requested: boolean; parallelism?: number | null } {
    const node = this.nodes.get(dto.node_id);
    // A node that left is listed, not known: its next beat gets the 404 that makes it register.
    if (!node || node.left_at) throw new NotFoundError(`Node ${dto.node_id} not found`);
    const instances = dto.instances?.length ?? 0;
    // Scaled up from the hub, a node may run more than it registered with.
    // Scaled down, it still reports the larger count until its containers have stopped.
    const allowed = node.parallelism === null ? null : Math.max(node.parallelism, node.requested_parallelism ?? 0, node.scale_ceiling ?? 0);
    if (allowed !== null && instances > allowed) {
      throw new InvalidRequestError(
        `instances has ${instances} entries, more than the parallelism ${allowed} node ${node.id} registered with or was scaled to`,
      );
    }
    const now = Date.now();
    const wasOffline = !node.online;
    node.online = true;
    node.last_seen_ms = now;
    // What a beat repeats keeps the stored copy (strings compare by value), so the new one dies
    // young instead of being promoted and swept later: see unlessChanged.
    if (node.runtime_status !== dto.status) node.runtime_status = dto.status;
    // An original node sends no last_error: its status alone says what it knows.
    const lastError = dto.last_error ?? null;
    if (node.last_error !== lastError) node.last_error = lastError;
    node.active_containers = dto.active_containers;
    if (dto.task_name !== undefined && node.task_name !== dto.task_name) node.task_name = dto.task_name;
    if (dto.instances !== undefined) node.instances = unlessChanged(node.instances, dto.instances);
    // Usage changes on nearly every beat: comparing it would cost more than it saves.
    if (dto.usage !== undefined) node.usage = dto.usage;
    // A new reason for not running the task is news the throttle must not hold back.
    const reasonChanged = dto.not_running !== undefined && !sameNotRunning(node.not_running ?? null, dto.not_running);
    if (reasonChanged) node.not_running = dto.not_running;
    const pauseChanged = dto.paused !== undefined && (node.paused?.reason ?? null) !== (dto.paused?.reason ?? null);
    if (dto.paused !== undefined) node.paused = dto.paused;
    this.dirty.add(node.id);
    this.heard.next({ nodeId: node.id, beat: dto, atMs: now });
    if (wasOffline) this.bus.publish('node.online', nodeView(node));
    if (reasonChanged || pauseChanged || now - node.last_update_event_ms >= UPDATE_EVENT_INTERVAL_MS) {
      node.last_update_event_ms = now;
      this.bus.publish('node.updated', nodeView(node));
    }
    // The original's answer is {stop_requested}; a node scaled from the hub also hears its parallelism.
    if (node.requested_parallelism === undefined) return { stop_requested: node.stop_requested };
    return { stop_requested: node.stop_requested, parallelism: node.requested_parallelism };
  }

  /** Scales a node from the hub (null: back to its own parallelism); delivered with its next heartbeat. */
  async scale(id: string, parallelism: number | null): Promise<NodeRecordDto> {
    const node = this.nodes.get(id);
    if (!node) throw new NotFoundError(`Node ${id} not found`);
    if (node.left_at) throw new ConflictError(`Node ${id} has left; it cannot be scaled`);
    const before = node.requested_parallelism;
    await this.commit(
      () => {
        node.requested_parallelism = parallelism;
        node.scale_ceiling = Math.max(node.scale_ceiling ?? 0, parallelism ?? 0);
      },
      () => (node.requested_parallelism = before),
      () => [{ put: persistedPart(node) }],
    );
    const view = publicNode(node);
    this.bus.publish('node.updated', view);
    return view;
  }

  /** Sets the hub's own reason a node cannot run the current task; announces a change. */
  setDerivedReason(id: string, reason: NotRunningDto | null): void {
    const node = this.nodes.get(id);
    if (!node || sameNotRunning(node.derived_not_running ?? null, reason)) return;
    node.derived_not_running = reason;
    this.bus.publish('node.updated', nodeView(node));
  }

  /** The node leaves: its record stays, Offline, until removed (by `remove` or the sweep). */
  async deregister(id: string): Promise<void> {
    const node = this.nodes.get(id);
    if (!node || node.left_at) throw new NotFoundError(`Node ${id} not found`);
    const departed = gone(node, { left_at: new Date().toISOString() });
    await this.commit(() => this.put(departed), () => this.put(node), [{ put: persistedPart(departed) }]);
    this.bus.publish('node.deregistered', publicNode(departed));
  }

  /**
   * The node was revoked: listed as Offline and left, with the time; nothing it sends is heard.
   * Returns its record as shown (the caller announces it as node.revoked), or null if none.
   */
  async markRevoked(id: string, revokedAt: string): Promise<NodeRecordDto | null> {
    const node = this.nodes.get(id);
    if (!node) return null;
    const revoked = gone(node, { left_at: node.left_at ?? revokedAt, revoked_at: revokedAt });
    await this.commit(() => this.put(revoked), () => this.put(node), [{ put: persistedPart(revoked) }]);
    return publicNode(revoked);
  }

  /** The operator forgets a node that is offline (or left); an online one must stop first. */
  async remove(id: string): Promise<NodeRecordDto> {
    const node = this.nodes.get(id);
    if (!node) throw new NotFoundError(`Node ${id} not found`);
    if (node.online) throw new ConflictError(`Node ${id} is online; stop it first (POST /api/nodes/${id}/stop)`);
    await this.commit(() => this.drop(id), () => this.put(node), [{ remove: id }]);
    const view = publicNode(node);
    this.bus.publish('node.removed', view);
    return view;
  }

  /** Asks a node to stop; delivered on its next heartbeat and at once to its long-poll. */
  async requestStop(id: string): Promise<NodeRecordDto> {
    const node = this.nodes.get(id);
    if (!node) throw new NotFoundError(`Node ${id} not found`);
    const before = node.stop_requested;
    await this.commit(
      () => (node.stop_requested = true),
      () => (node.stop_requested = before),
      () => [{ put: persistedPart(node) }],
    );
    const view = publicNode(node);
    this.bus.publish('node.stopping', view);
    return view;
  }

  /** Marks silent nodes offline and forgets long-gone ones (CleanupScheduler). */
  async sweep(now = Date.now()): Promise<void> {
    const offlineMs = this.config.values.node_offline_after_s * 1000;
    const removeMs = this.config.values.node_remove_after_s * 1000;
    const removed: NodeRecord[] = [];
    for (const node of this.nodes.values()) {
      const silentMs = now - node.last_seen_ms;
      if (silentMs >= removeMs) {
        removed.push(node);
      } else if (node.online && silentMs >= offlineMs) {
        node.online = false;
        this.bus.publish('node.offline', publicNode(node));
      }
    }
    // Published with the drop, before any await: a heartbeat landing meanwhile must meet neither the
    // node nor its credential (401, so its agent joins again), never a live credential without a node.
    for (const node of removed) {
      this.drop(node.id);
      this.bus.publish('node.removed', publicNode({ ...node, online: false }));
    }
    if (removed.length > 0) {
      await this.store.write(removed.map((node) => ({ remove: node.id }))).catch((err: Error) => {
        this.logger.warn(`could not save the removal of ${removed.length} node records: ${err.message}`);
      });
    }
    if (now - this.lastSaveMs >= HEARTBEAT_SAVE_INTERVAL_MS) {
      await this.saveDirty(now).catch((err: Error) => this.logger.warn(`could not save node records: ${err.message}`));
    }
  }

  /** Saves the records whose last-seen changed; on failure they stay dirty for the next tick. */
  private async saveDirty(now = Date.now()): Promise<void> {
    this.lastSaveMs = now;
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const changes: NodeChange[] = [];
    for (const id of ids) {
      const node = this.nodes.get(id);
      if (node) changes.push({ put: persistedPart(node) });
    }
    try {
      await this.store.write(changes);
    } catch (err) {
      for (const id of ids) if (this.nodes.has(id)) this.dirty.add(id);
      throw err;
    }
  }

  private oldestDeparted(): NodeRecord | undefined {
    let oldest: NodeRecord | undefined;
    for (const node of this.nodes.values()) {
      if (node.left_at && (!oldest || node.left_at < oldest.left_at!)) oldest = node;
    }
    return oldest;
  }

  private put(node: NodeRecord): void {
    if (!this.nodes.has(node.id)) this.sortedIds = null;
    this.nodes.set(node.id, node);
  }

  private drop(id: string): void {
    if (this.nodes.delete(id)) this.sortedIds = null;
    this.dirty.delete(id);
  }

  /** Applies a change in memory, saves it, and undoes it if the save failed. */
  private async commit(apply: () => unknown, undo: () => unknown, changes: NodeChange[] | (() => NodeChange[])): Promise<void> {
    apply();
    try {
      await this.store.write(typeof changes === 'function' ? changes() : changes);
    } catch (err) {
      undo();
      this.logger.error(`could not save node records: ${(err as Error).message}`);
      throw new StateUnavailableError('node records could not be saved; nothing was changed');
    }
  }
}

/** A node that left or was revoked: Offline, running nothing, asked for nothing. */
function gone(node: NodeRecord, when: Pick<NodeRecord, 'left_at'> & Partial<Pick<NodeRecord, 'revoked_at'>>): NodeRecord {
  return {
    ...node,
    ...when,
    online: false,
    stop_requested: false,
    runtime_status: null,
    active_containers: 0,
    instances: [],
    not_running: null,
    derived_not_running: null,
    paused: null,
  };
}
