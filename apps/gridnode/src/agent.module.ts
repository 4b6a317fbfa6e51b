import { DynamicModule, Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ContainerRuntime, DockerodeRuntime } from '@gridcore/docker-runtime';
import { AgentService } from './agent.service';
import { NodeConfig } from './config/node-config';
import { NodeIdentity } from './config/node-identity';
import { EngineMonitor } from './engine/engine-monitor';
import { GpuInventory } from './host/gpu-inventory';
import { HostPlatform } from './host/host-platform';
import { HubClient } from './hub/hub-client';
import { NodeSession } from './hub/node-session';
import { TaskWatcher } from './hub/task-watcher';
import { LogRelay } from './hub/log-relay';
import { ContainerLogBook } from './logs/container-log-book';
import { LogSource } from './shared/log-source';
import { StopSignal } from './lifecycle/stop-signal';
import { GatewaySlotQueue } from './queue/gateway-slot-queue';
import { RedisSlotQueue } from './queue/redis-slot-queue';
import { RoutingSlotQueue } from './queue/routing-slot-queue';
import { SlotQueue } from './queue/slot-queue';
import { WorkReport } from './shared/work-report';
import { ParallelismRequest } from './shared/parallelism-request';
import { OwnerWatch } from './owner/owner-watch';
import { DEFAULT_OWNER_POLICY } from './owner/owner-policy';
import { TaskStream } from './task/task-stream';
import { nodeFactsReader } from './workers/node-facts';
import { OrphanReconciler } from './workers/orphan-reconciler';
import { WorkerPool } from './workers/worker-pool';

/**
 * The agent's parts and how they connect; ports are bound to their adapters here (STYLE §3).
 * The hub side (session, watcher) sees the workers only through {@link WorkReport}, and every
 * stop request goes through the one {@link StopSignal}.
 */
@Module({})
export class AgentModule {
  static forRoot(config: NodeConfig): DynamicModule {
    return {
      module: AgentModule,
      providers: [
        { provide: NodeConfig, useValue: config },
        { provide: ContainerRuntime, useFactory: (c: NodeConfig) => new DockerodeRuntime({ socketPath: c.dockerSocket }), inject: [NodeConfig] },
        {
          provide: SlotQueue,
          useFactory: (id: NodeIdentity) => new RoutingSlotQueue(new RedisSlotQueue(), new GatewaySlotQueue(() => id.nodeToken)),
          inject: [NodeIdentity],
        },
        { provide: HubClient, useFactory: (c: NodeConfig) => new HubClient(c.serverUrl, c.token, undefined, c.hubCa ?? null), inject: [NodeConfig] },
        TaskStream,
        StopSignal,
        { provide: HostPlatform, useFactory: (c: NodeConfig) => new HostPlatform(c.reportedFacts), inject: [NodeConfig] },
        { provide: GpuInventory, useFactory: () => new GpuInventory() },
        { provide: NodeIdentity, useFactory: (c: NodeConfig) => new NodeIdentity(c.stateDir, c.nodeId), inject: [NodeConfig] },
        { provide: EngineMonitor, useFactory: (r: ContainerRuntime) => new EngineMonitor(r), inject: [ContainerRuntime] },
        {
          provide: OrphanReconciler,
          useFactory: (r: ContainerRuntime, q: SlotQueue, c: NodeConfig) => new OrphanReconciler(r, q, c.stopTimeoutS),
          inject: [ContainerRuntime, SlotQueue, NodeConfig],
        },
        { provide: ContainerLogBook, useFactory: () => new ContainerLogBook() },
        { provide: LogSource, useExisting: ContainerLogBook },
        ParallelismRequest,
        {
          provide: OwnerWatch,
          // The pool is read lazily: it is built after the watch, and the watch only asks while running.
          useFactory: (c: NodeConfig, ref: ModuleRef) =>
            new OwnerWatch({
              policy: c.owner ?? DEFAULT_OWNER_POLICY,
              gridContainers: () => ref.get(WorkerPool, { strict: false }).trackedContainers(),
              runningContainers: () => ref.get(WorkerPool, { strict: false }).activeContainers(),
            }),
          inject: [NodeConfig, ModuleRef],
        },
        {
          provide: WorkerPool,
          useFactory: (
            runtime: ContainerRuntime,
            engine: EngineMonitor,
            queue: SlotQueue,
            stream: TaskStream,
            c: NodeConfig,
            id: NodeIdentity,
            gpus: GpuInventory,
            host: HostPlatform,
            logs: ContainerLogBook,
            owner: OwnerWatch,
            scale: ParallelismRequest,
          ) =>
            new WorkerPool(
              {
                runtime,
                engine,
                queue,
                stream,
                node: nodeFactsReader(c, id, gpus, host, { parallelism: () => scale.value, containerCap: () => owner.containerCap() }),
                stopTimeoutS: c.stopTimeoutS,
                logs,
                gpuBusy: () => gpus.busy(),
              },
              owner,
              scale.value$,
            ),
          inject: [ContainerRuntime, EngineMonitor, SlotQueue, TaskStream, NodeConfig, NodeIdentity, GpuInventory, HostPlatform, ContainerLogBook, OwnerWatch, ParallelismRequest],
        },
        { provide: WorkReport, useExisting: WorkerPool },
        {
          provide: NodeSession,
          useFactory: (c: NodeConfig, id: NodeIdentity, hub: HubClient, stream: TaskStream, work: WorkReport, stop: StopSignal, gpus: GpuInventory, host: HostPlatform, owner: OwnerWatch, scale: ParallelismRequest) =>
            new NodeSession(c, id, hub, stream, work, stop, gpus, host.name, owner, scale, host),
          inject: [NodeConfig, NodeIdentity, HubClient, TaskStream, WorkReport, StopSignal, GpuInventory, HostPlatform, OwnerWatch, ParallelismRequest],
        },
        {
          provide: TaskWatcher,
          useFactory: (hub: HubClient, stream: TaskStream, stop: StopSignal, host: HostPlatform, id: NodeIdentity, scale: ParallelismRequest) =>
            new TaskWatcher(hub, stream, stop, host.name, () => id.id, undefined, scale),
          inject: [HubClient, TaskStream, StopSignal, HostPlatform, NodeIdentity, ParallelismRequest],
        },
        {
          provide: LogRelay,
          useFactory: (hub: HubClient, logs: LogSource, id: NodeIdentity) => new LogRelay(hub, logs, () => id.id),
          inject: [HubClient, LogSource, NodeIdentity],
        },
        AgentService,
      ],
      exports: [AgentService, StopSignal],
    };
  }
}
