import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AgentModule } from './agent.module';
import { AgentService } from './agent.service';
import { NodeConfig } from './config/node-config';
import { NodeSession } from './hub/node-session';
import { TaskWatcher } from './hub/task-watcher';
import { StopSignal } from './lifecycle/stop-signal';
import { WorkReport } from './shared/work-report';
import { OrphanReconciler } from './workers/orphan-reconciler';
import { WorkerPool } from './workers/worker-pool';

const config = new NodeConfig({
  serverUrl: 'http://127.0.0.1:9',
  token: 'node-token-000001',
  nodeId: 'n-1',
  hostname: 'h',
  parallelism: 1,
  heartbeatIntervalS: 30,
  stopTimeoutS: 1,
  containerMemoryMb: 64,
  networkMode: null,
  dockerSocket: '/nonexistent/docker.sock',
  stateDir: mkdtempSync(join(tmpdir(), 'agent-module-')),
  labels: {},
  pidsLimit: 512,
  allowedImages: [],
  requireDigest: false,
  allowGpus: true,
  file: null,
  warnings: [],
});

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
