import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { QueueKeys, WorkQueue } from '@gridcore/queue';
import { waitFor } from '../../support/ports';
import type { HubProcess } from '../../support/hub-process';
import { dockerInspectMany, listLabelled } from './test-image';

/** Running containers of one node (and task), with the env each one got. */
export function nodeContainers(nodeId: string, task?: string, all = false): { id: string; env: Record<string, string>; info: any }[] {
  const ids = listLabelled(`gridcore.node=${nodeId}`, all);
  // One inspect for all (a removed one is left out by docker inspect and by the filter below).
  return dockerInspectMany(ids)
    .map((info) => {
      if (!info?.Config) return null;
      const env: Record<string, string> = {};
      for (const pair of info.Config.Env as string[]) env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
      return { id: info.Id as string, env, info };
    })
    .filter((c): c is { id: string; env: Record<string, string>; info: any } => c !== null)
    .filter((c) => !task || c.info.Config.Labels['gridcore.task'] === task)
    .filter((c) => all || c.info.State.Running);
}

/** Waits for exactly `n` running containers of `task` on `nodeId`. */
export function waitForContainers(nodeId: string, task: string, n: number, timeoutMs = 20_000, intervalMs = 50) {
  return waitFor(
    () => {
      const list = nodeContainers(nodeId, task);
      return list.length === n ? list : null;
    },
    timeoutMs,
    `${n} running containers of ${task} on ${nodeId}`,
    intervalMs,
  );
}

/** Takes one batch for a container's slot (lane 0), as its SDK worker would. */
export async function holdBatch(redisUrl: string, queue: string, env: Record<string, string>, size = 3): Promise<{ batchKey: string; items: string[] }> {
  const client = new Redis(redisUrl);
  try {
    const q = new WorkQueue(client, queue);
    const lanePrefix = q.keys.lanePrefix({ nodeId: env.NODE_ID, instance: env.INSTANCE_ID, runId: env.RUN_ID, lane: 0 });
    const reply = await q.take({ lanePrefix, nodeId: env.NODE_ID, size });
    if (!reply.batchKey || reply.items.length === 0) throw new Error(`took nothing from ${queue}`);
    return { batchKey: reply.batchKey, items: reply.items };
  } finally {
    client.disconnect();
  }
}

/** Input, retry, leases and attempts of a queue. */
export async function queueState(redisUrl: string, queue: string) {
  const client = new Redis(redisUrl);
  try {
    const k = new QueueKeys(queue);
    const [input, retry, leases, attempts] = await Promise.all([
      client.lrange(k.input, 0, -1),
      client.lrange(k.retry, 0, -1),
      client.zrange(k.leases, 0, -1),
      client.hgetall(k.attempts),
    ]);
    return { input, retry, leases, attempts };
  } finally {
    client.disconnect();
  }
}

export async function pushItems(redisUrl: string, queue: string, items: string[]): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    await client.lpush(queue, ...items);
  } finally {
    client.disconnect();
  }
}

export async function nodeRecord(hub: HubProcess, nodeId: string): Promise<any> {
  const res = await hub.api('GET', '/api/nodes');
  return (res.body as any[]).find((n) => n.id === nodeId);
}

export async function addTask(hub: HubProcess, body: Record<string, unknown>): Promise<void> {
  const res = await hub.api('POST', '/api/tasks', body);
  if (res.status !== 201) throw new Error(`POST /api/tasks answered ${res.status}: ${JSON.stringify(res.body)}`);
}

export async function finish(hub: HubProcess): Promise<void> {
  const res = await hub.api('POST', '/api/tasks/finish');
  if (res.status !== 200) throw new Error(`finish answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** A folder with a stand-in `nvidia-smi` that prints the real H100 fixtures. */
export function fakeNvidiaSmiDir(): string {
  const fixtures = resolve(__dirname, '../../../apps/gridnode/src/host/__fixtures__/nvidia-smi');
  const dir = mkdtempSync(join(tmpdir(), 'fake-nvidia-smi-'));
  writeFileSync(
    join(dir, 'nvidia-smi'),
    `#!/bin/sh\ncase "$1" in -q) cat ${fixtures}/nvidia-smi-q-busy.xml ;; *) cat ${fixtures}/nvidia-smi-busy.csv | head -1 ;; esac\n`,
  );
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

export async function waitForNodeId(stateDir: string, timeoutMs = 20_000): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return waitFor(async () => (await readFile(join(stateDir, 'node_id'), 'utf8')).trim(), timeoutMs, 'node_id in state_dir');
}
