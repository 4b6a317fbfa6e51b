import type { ContainerRuntime } from '@gridcore/docker-runtime';
import type { EngineGate } from '../engine/engine-monitor';
import type { SlotQueue } from '../queue/slot-queue';
import { TaskStream } from '../task/task-stream';
import { REASON_MAX_CHARS } from '../shared/reason-text';
import { WorkerPool } from './worker-pool';

function pool(engine: Partial<EngineGate>) {
  const gate = { up: true, reason: null, lost: () => undefined, whenUp: async () => true, ...engine } as EngineGate;
  const node = () => ({ nodeId: 'n1', cpuCount: 2, gpuCount: 0, parallelism: 2, containerMemoryMb: 64, networkMode: 'host', pidsLimit: 512, admission: { allowedImages: [], requireDigest: false, allowGpus: true } });
  // No task is ever offered, so no worker touches the runtime or the queue.
  return new WorkerPool({ runtime: {} as ContainerRuntime, engine: gate, queue: {} as SlotQueue, stream: new TaskStream(), node, stopTimeoutS: 1 });
}

describe('WorkerPool status', () => {
  it('is Error with the reason while the engine is away, even without a task', () => {
    const reason = 'cannot reach the Docker engine at /var/run/docker.sock (ECONNREFUSED)';
    const p = pool({ up: false, reason });
    expect(p.runtimeStatus()).toBe('Error');
    expect(p.lastError()).toBe(reason);
    expect(p.activeContainers()).toBe(0);
  });

  it('is Idle without a reason while the engine answers and nothing runs', () => {
    const p = pool({});
    expect(p.runtimeStatus()).toBe('Idle');
    expect(p.lastError()).toBeNull();
  });

  it('shortens a reason longer than the hub keeps, so the heartbeat is never refused for it', () => {
    const p = pool({ up: false, reason: `cannot reach the Docker engine at /${'deep/'.repeat(100)}docker.sock (ENOENT)` });
    const shown = p.lastError()!;
    expect(shown).toHaveLength(REASON_MAX_CHARS);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown.startsWith('cannot reach the Docker engine at /deep/')).toBe(true);
  });
});
