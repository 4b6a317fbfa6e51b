import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AgentModule } from './agent.module';
import { AgentService } from './agent.service';
import { testNodeConfig } from './config/node-config.fixture';
import { NodeSession } from './hub/node-session';
import { TaskWatcher } from './hub/task-watcher';
import { StopSignal } from './lifecycle/stop-signal';
import { WorkReport } from './shared/work-report';
import { OrphanReconciler } from './workers/orphan-reconciler';
import { WorkerPool } from './workers/worker-pool';

const config = testNodeConfig({ parallelism: 1, containerMemoryMb: 64, dockerSocket: '/nonexistent/docker.sock' });

describe('AgentModule', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    // Building the graph does no I/O: nothing connects until the agent runs.
    app = await NestFactory.createApplicationContext(AgentModule.forRoot(config), { logger: false });
  });

  afterAll(() => app?.close());

  it('provides each part once, the pool as the work the heartbeat reports', () => {
    expect(app.get(WorkReport)).toBe(app.get(WorkerPool));
    for (const part of [AgentService, NodeSession, TaskWatcher, WorkerPool, OrphanReconciler, StopSignal]) {
      expect(app.get(part)).toBeInstanceOf(part);
      expect(app.get(part)).toBe(app.get(part));
    }
  });
});
