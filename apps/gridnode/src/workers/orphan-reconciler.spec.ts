import { ContainerDetails, ManagedContainer } from '@gridcore/docker-runtime';
import { InertRuntime } from '../../../../test/support/inert-runtime';
import { QueueRef, SlotQueue, SlotRef } from '../queue/slot-queue';
import { OrphanReconciler } from './orphan-reconciler';

class Engine extends InertRuntime {
  log: string[] = [];
  constructor(private readonly containers: (ManagedContainer & { env: Record<string, string> })[]) {
    super();
  }
  override async stop(id: string) {
    this.log.push(`stop ${id}`);
  }
  override async remove(id: string) {
    this.log.push(`remove ${id}`);
  }
  override async wait() {
    return { exitCode: 0, oomKilled: false };
  }
  override async inspect(id: string): Promise<ContainerDetails> {
    const c = this.containers.find((x) => x.id === id)!;
    return { id, name: id, image: 'i', labels: c.labels, env: c.env, state: c.state, running: c.state === 'running', exitCode: null, oomKilled: false };
  }
  override async listManaged(labels: Record<string, string>) {
    return this.containers.filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v));
  }
}

class Queue extends SlotQueue {
  calls: string[] = [];
  async requeueSlot(q: QueueRef, s: SlotRef) {
    this.calls.push(`requeue ${q.redisUrl} ${q.queue} ${s.nodeId}:${s.instance}:${s.runId}`);
    return 2;
  }
  async handBackSlot() {
    return 0;
  }
  async pending() {
    return 0;
  }
  async requeueOrphans() {
    return 0;
  }
  async close() {}
}

const env = (run: string, instance = '0') => ({ INPUT_REDIS_URL: 'redis://r:1', INPUT_QUEUE: 'old:in', NODE_ID: 'me', INSTANCE_ID: instance, RUN_ID: run });

describe('OrphanReconciler', () => {
  it("removes this node's untracked containers, requeues their slots from their own env, and leaves the rest alone", async () => {
    const engine = new Engine([
      { id: 'orphan', state: 'running', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r1' }, env: env('r1', '3') },
      { id: 'exited', state: 'exited', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r2' }, env: env('r2') },
      { id: 'tracked', state: 'running', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r3' }, env: env('r3') },
      { id: 'starting', state: 'created', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r4' }, env: env('r4') },
      { id: 'hidden', state: 'running', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r5' }, env: { RUN_ID: 'r5' } },
      { id: 'theirs', state: 'running', labels: { 'gridcore.node': 'other', 'gridcore.run': 'r6' }, env: env('r6') },
    ]);
    const queue = new Queue();
    const removed = await new OrphanReconciler(engine, queue, 2).reconcile('me', () => ({ runs: new Set(['r4']), containers: new Set(['tracked']) }));
    expect(removed).toBe(3);
    expect(engine.log).toEqual(['stop orphan', 'remove orphan', 'remove exited', 'stop hidden', 'remove hidden']);
    expect(queue.calls).toEqual(['requeue redis://r:1 old:in me:3:r1', 'requeue redis://r:1 old:in me:0:r2']);
  });

  it('goes on with the other orphans when one cannot be removed, and leaves that one for the next pass', async () => {
    class StuckEngine extends Engine {
      override async remove(id: string) {
        if (id === 'stuck') throw new Error('removal of container stuck is already in progress');
        await super.remove(id);
      }
    }
    const engine = new StuckEngine([
      { id: 'stuck', state: 'exited', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r1' }, env: env('r1', '0') },
      { id: 'next', state: 'exited', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r2' }, env: env('r2', '1') },
    ]);
    const queue = new Queue();
    const removed = await new OrphanReconciler(engine, queue, 2).reconcile('me');
    expect(removed).toBe(1);
    expect(engine.log).toEqual(['remove next']);
    // The stuck one's batches are not requeued while its container may still run them.
    expect(queue.calls).toEqual(['requeue redis://r:1 old:in me:1:r2']);
  });

  it('asks what is tracked after listing, so a container its worker started meanwhile is left alone', async () => {
    const engine = new Engine([
      { id: 'old', state: 'exited', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r1' }, env: env('r1', '0') },
      { id: 'new', state: 'created', labels: { 'gridcore.node': 'me', 'gridcore.run': 'r2' }, env: env('r2', '0') },
    ]);
    const runs = new Set<string>();
    const list = engine.listManaged.bind(engine);
    engine.listManaged = async (labels) => {
      const listed = await list(labels);
      runs.add('r2'); // the worker named its run and created "new" while the list was on its way
      return listed;
    };
    const removed = await new OrphanReconciler(engine, new Queue(), 2).reconcile('me', () => ({ runs, containers: new Set() }));
    expect(removed).toBe(1);
    expect(engine.log).toEqual(['remove old']);
  });
});
