import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceStatusDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import { NodeConfig } from '../config/node-config';
import { NodeIdentity } from '../config/node-identity';
import { TaskStream } from '../task/task-stream';
import type { WorkerPool } from '../workers/worker-pool';
import type { HubClient } from './hub-client';
import { HubHttpError, TokenRefusedError } from './hub-errors';
import { MIN_HEARTBEAT_SPACING_MS, NodeSession } from './node-session';

function config(fields: Partial<NodeConfig> = {}): NodeConfig {
  const stateDir = mkdtempSync(join(tmpdir(), 'node-session-'));
  return new NodeConfig({
    serverUrl: 'http://127.0.0.1:9',
    token: 'node-token-000001',
    nodeId: 'n-1',
    hostname: 'h',
    parallelism: 2,
    heartbeatIntervalS: 30,
    stopTimeoutS: 1,
    containerMemoryMb: 128,
    networkMode: null,
    dockerSocket: '/var/run/docker.sock',
    stateDir,
    labels: {},
    file: null,
    warnings: [],
    ...fields,
  });
}

/** The hub's node routes, recording when each heartbeat came (a fake: this spec is about the session alone). */
function fakeHub(register: () => Promise<unknown> = async () => ({ node_id: 'n-1', current_task: null })) {
  const beats: number[] = [];
  let registers = 0;
  const hub = {
    url: 'http://127.0.0.1:9',
    register: async () => {
      registers++;
      return register();
    },
    heartbeat: async () => {
      beats.push(Date.now());
      return { stop_requested: false };
    },
    deregister: async () => ({}),
  } as unknown as HubClient;
  return { hub, beats, registers: () => registers };
}

/** A pool whose one instance's restart count the test moves, as a crash-looping container would. */
function fakePool() {
  const instance: InstanceStatusDto = { instance: 0, state: 'running', restarts: 0, last_exit_code: null, last_error: null };
  const pool = {
    runtimeStatus: () => 'Running',
    activeContainers: () => 1,
    instances: () => [{ ...instance }],
  } as unknown as WorkerPool;
  return { pool, instance };
}

async function session(hub: HubClient, pool: WorkerPool | null, cfg = config()) {
  const identity = new NodeIdentity(cfg.stateDir, cfg.nodeId);
  await identity.load();
  return new NodeSession(cfg, identity, hub, new TaskStream(), () => pool, 'linux/amd64', async () => []);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NodeSession heartbeats', () => {
  it('sends one at once when the state changes, long before heartbeat_interval', async () => {
    const { hub, beats } = fakeHub();
    const { pool, instance } = fakePool();
    const s = await session(hub, pool);
    s.start();
    try {
      await sleep(1_200);
      expect(beats).toHaveLength(1);
      const changed = Date.now();
      instance.restarts = 1;
      await sleep(600);
      expect(beats).toHaveLength(2);
      console.log(`state change reported ${beats[1] - changed} ms after it happened (heartbeat_interval 30 s)`);
      expect(beats[1] - changed).toBeLessThan(500);
    } finally {
      await s.close();
    }
  });

  it('sends at most one a second however often the state changes, and none without a change', async () => {
    const { hub, beats } = fakeHub();
    const { pool, instance } = fakePool();
    const s = await session(hub, pool);
    s.start();
    const churn = setInterval(() => instance.restarts++, 20);
    try {
      await sleep(3_300);
    } finally {
      clearInterval(churn);
    }
    const during = beats.length;
    await sleep(1_500);
    await s.close();
    const gaps = beats.slice(1).map((t, i) => t - beats[i]);
    console.log(`${during} heartbeats in 3.3 s of changes every 20 ms; gaps ${gaps.join(', ')} ms`);
    expect(during).toBeGreaterThanOrEqual(3);
    expect(during).toBeLessThanOrEqual(4);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MIN_HEARTBEAT_SPACING_MS - 5);
    // After the changes stop: at most the one that reports the last change, then quiet.
    expect(beats.length - during).toBeLessThanOrEqual(1);
  });
});

describe('NodeSession registration', () => {
  it.each([401, 403])('gives up at once with TokenRefusedError when register answers %d', async (status) => {
    const { hub, registers } = fakeHub(async () => {
      throw new HubHttpError('POST /gridnode/register', status, 'unknown token');
    });
    const s = await session(hub, null);
    const err = await s.registerUntilDone().catch((e: Error) => e);
    expect(err).toBeInstanceOf(TokenRefusedError);
    expect((err as Error).message).toMatch(new RegExp(`^the hub at http://127.0.0.1:9 .* \\(${status} on register\\): check token in gridnode.toml or GRIDNODE_TOKEN$`));
    expect(registers()).toBe(1);
  });
});
