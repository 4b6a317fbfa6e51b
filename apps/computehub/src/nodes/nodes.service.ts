import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { architectureToPlatform, HeartbeatDto, NodeRecordDto, RegisterNodeDto } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { NotFoundError } from '../errors/not-found.error';
import { StateUnavailableError } from '../errors/state-unavailable.error';
import { EventBus } from '../events/event-bus';
import { CoalescingWriter } from '../persistence/coalescing-writer';
import { NodeRecord, persistedPart } from './node-record';
import { NodeStore } from './node-store';
import { publicNode } from './node-views';

/** At most one node.updated event a second per node. */
const UPDATE_EVENT_INTERVAL_MS = 1_000;
/**
 * Heartbeat-only changes (last seen) are saved at most this often: serialising every record
 * blocks the event loop for tens of ms at 10k nodes, and a stale last-seen only matters for
 * removal after a restart.
 */
const HEARTBEAT_SAVE_INTERVAL_MS = 5 * 60_000;

/**
 * Owns node records. Registrations, stops and departures are saved before they are answered
 * (saves of concurrent changes are grouped); heartbeats only mark the records dirty, and the
 * cleanup tick saves them, so a busy grid does not rewrite the file on every beat.
 */
@Injectable()
export class NodesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Nodes');
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly writer = new CoalescingWriter(() => this.store.save([...this.nodes.values()].map(persistedPart)));
  private dirty = false;
  private lastSaveMs = Date.now();

  constructor(
    private readonly store: NodeStore,
    private readonly bus: EventBus,
    private readonly config: HubConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const saved of (await this.store.load()) ?? []) {
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
    if (this.dirty) await this.writer.request().catch(() => undefined);
  }

  list(): NodeRecordDto[] {
    return [...this.nodes.values()].map(publicNode);
  }

  find(id: string): NodeRecord | undefined {
    return this.nodes.get(id);
  }

  isStopRequested(id: string | undefined): boolean {
    return !!id && !!this.nodes.get(id)?.stop_requested;
  }

  /** Registers a node, new or known (its saved id); a fresh registration clears a stop request. */
  async register(dto: RegisterNodeDto): Promise<NodeRecord> {
    const id = dto.node_id ?? randomUUID();
    const known = this.nodes.get(id);
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
      online: true,
      runtime_status: known?.runtime_status ?? null,
      last_error: known?.last_error ?? null,
      active_containers: known?.active_containers ?? 0,
      task_name: known?.task_name ?? null,
      instances: known?.instances ?? [],
      usage: known?.usage ?? null,
      last_update_event_ms: 0,
    };
    await this.commit(() => this.nodes.set(id, node), () => (known ? this.nodes.set(id, known) : this.nodes.delete(id)));
    this.bus.publish('node.registered', publicNode(node));
    return node;
  }

  /** Records a heartbeat; answers whether the node is asked to stop. */
  heartbeat(dto: HeartbeatDto): { stop_requested: boolean } {
    const node = this.nodes.get(dto.node_id);
    if (!node) throw new NotFoundError(`Node ${dto.node_id} not found`);
    const now = Date.now();
    const wasOffline = !node.online;
    node.online = true;
    node.last_seen_ms = now;
    node.runtime_status = dto.status;
    // An original node sends no last_error: its status alone says what it knows.
    node.last_error = dto.last_error ?? null;
    node.active_containers = dto.active_containers;
    if (dto.task_name !== undefined) node.task_name = dto.task_name;
    if (dto.instances !== undefined) node.instances = dto.instances;
    if (dto.usage !== undefined) node.usage = dto.usage;
    this.dirty = true;
    if (wasOffline) this.bus.publish('node.online', publicNode(node));
    if (now - node.last_update_event_ms >= UPDATE_EVENT_INTERVAL_MS) {
      node.last_update_event_ms = now;
      this.bus.publish('node.updated', publicNode(node));
    }
    return { stop_requested: node.stop_requested };
  }

  async deregister(id: string): Promise<void> {
    const node = this.nodes.get(id);
    if (!node) throw new NotFoundError(`Node ${id} not found`);
    await this.commit(() => this.nodes.delete(id), () => this.nodes.set(id, node));
    this.bus.publish('node.deregistered', publicNode({ ...node, online: false }));
  }

  /** Asks a node to stop; delivered on its next heartbeat and at once to its long-poll. */
  async requestStop(id: string): Promise<NodeRecordDto> {
    const node = this.nodes.get(id);
    if (!node) throw new NotFoundError(`Node ${id} not found`);
    const before = node.stop_requested;
    await this.commit(() => (node.stop_requested = true), () => (node.stop_requested = before));
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
    for (const node of removed) this.nodes.delete(node.id);
    if (removed.length > 0 || (this.dirty && now - this.lastSaveMs >= HEARTBEAT_SAVE_INTERVAL_MS)) {
      this.dirty = false;
      this.lastSaveMs = now;
      await this.writer.request().catch((err: Error) => {
        this.dirty = true;
        this.logger.warn(`could not save node records: ${err.message}`);
      });
    }
    for (const node of removed) this.bus.publish('node.removed', publicNode({ ...node, online: false }));
  }

  private async commit(apply: () => unknown, undo: () => unknown): Promise<void> {
    apply();
    try {
      this.lastSaveMs = Date.now();
      this.dirty = false;
      await this.writer.request();
    } catch (err) {
      undo();
      this.logger.error(`could not save node records: ${(err as Error).message}`);
      throw new StateUnavailableError('node records could not be saved; nothing was changed');
    }
  }
}
