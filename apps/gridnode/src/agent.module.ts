import { DynamicModule, Module } from '@nestjs/common';
import { ContainerRuntime, DockerodeRuntime } from '@gridcore/docker-runtime';
import { AgentService } from './agent.service';
import { NodeConfig } from './config/node-config';
import { NodeIdentity } from './config/node-identity';
import { EngineMonitor } from './engine/engine-monitor';
import { HubClient } from './hub/hub-client';
import { RedisSlotQueue } from './queue/redis-slot-queue';
import { SlotQueue } from './queue/slot-queue';
import { TaskStream } from './task/task-stream';

/** The agent's providers; ports are bound to their adapters here (STYLE §3). */
@Module({})
export class AgentModule {
  static forRoot(config: NodeConfig): DynamicModule {
    return {
      module: AgentModule,
      providers: [
        { provide: NodeConfig, useValue: config },
        { provide: ContainerRuntime, useFactory: (c: NodeConfig) => new DockerodeRuntime({ socketPath: c.dockerSocket }), inject: [NodeConfig] },
        { provide: SlotQueue, useClass: RedisSlotQueue },
        { provide: HubClient, useFactory: (c: NodeConfig) => new HubClient(c.serverUrl, c.token, undefined, c.hubCa ?? null), inject: [NodeConfig] },
        { provide: TaskStream, useValue: new TaskStream() },
        { provide: NodeIdentity, useFactory: (c: NodeConfig) => new NodeIdentity(c.stateDir, c.nodeId), inject: [NodeConfig] },
        { provide: EngineMonitor, useFactory: (r: ContainerRuntime) => new EngineMonitor(r), inject: [ContainerRuntime] },
        {
          provide: AgentService,
          useFactory: (c, r, q, h, s, i, e) => new AgentService(c, r, q, h, s, i, e),
          inject: [NodeConfig, ContainerRuntime, SlotQueue, HubClient, TaskStream, NodeIdentity, EngineMonitor],
        },
      ],
      exports: [AgentService, TaskStream],
    };
  }
}
