import { testTaskConfig } from '../task/task-config.fixture';
import { containerSecret } from '../queue/gateway-secrets';
import { containerCount, containerSpec, LABEL_DATA_PLANE, NodeFacts, queueRefOf, queueVisible, refusal } from './container-plan';

const task = testTaskConfig;

const open = { allowedImages: [], requireDigest: false, allowGpus: true };
const node: NodeFacts = { nodeId: 'n1', cpuCount: 2, gpuCount: 0, parallelism: null, containerMemoryMb: 1024, networkMode: 'host', pidsLimit: 512, admission: open };

describe('containerCount', () => {
  it.each([
    ['no task', null, {}, 0],
    ['cpus 1 on 2 CPUs', task(), {}, 2],
    ['cpus 0.5 on 2 CPUs', task({ cpus: 0.5 }), {}, 4],
    ['cpus 4 on 2 CPUs: at least one', task({ cpus: 4 }), {}, 1],
    ['cpus 0.3 on 2 CPUs', task({ cpus: 0.3 }), {}, 6],
    ['parallelism above the CPU count', task(), { parallelism: 16 }, 16],
    ['parallelism ignores cpus', task({ cpus: 2 }), { parallelism: 4 }, 4],
    ['capped by max_containers_per_node', task({ max_containers_per_node: 3 }), { parallelism: 16 }, 3],
    ['cap above N', task({ max_containers_per_node: 30 }), {}, 2],
  ])('%s', (_name, t, over, expected) => {
    expect(containerCount(t, { ...node, ...over })).toBe(expected);
  });
});

describe('containerSpec', () => {
  it('sets env, labels and sizes as SPEC §3 says', () => {
    const spec = containerSpec(task({ cpus: 0.5, env: { FOO: 'bar', NODE_ID: 'forged' } }), node, 3, 'run-1');
    expect(spec).toEqual({
      image: 'img:1',
      env: {
        FOO: 'bar',
        TASK_NAME: 'sqrt',
        NODE_ID: 'n1',
        INSTANCE_ID: '3',
        INPUT_REDIS_URL: 'redis://127.0.0.1:6379',
        OUTPUT_REDIS_URL: 'redis://127.0.0.1:6379',
        INPUT_QUEUE: 'in',
        OUTPUT_QUEUE: 'out',
        RUN_ID: 'run-1',
        MAX_ATTEMPTS: '3',
        BATCH_TIMEOUT_S: '600',
      },
      labels: { 'gridcore.task': 'sqrt', 'gridcore.node': 'n1', 'gridcore.instance': '3', 'gridcore.run': 'run-1' },
      cpus: 0.5,
      memoryMb: 1024,
      gpus: undefined,
      networkMode: 'host',
      confinement: { pidsLimit: 512, writableRootfs: false },
    });
  });

  it("uses the task's memory and gpus", () => {
    expect(containerSpec(task({ memory_mb: 256, gpus: 2 }), node, 0, 'r')).toMatchObject({ memoryMb: 256, gpus: 2 });
  });

  it('confines every container with the node\'s pids limit, read-only unless the task opts out', () => {
    expect(containerSpec(task(), node, 0, 'r').confinement).toEqual({ pidsLimit: 512, writableRootfs: false });
    expect(containerSpec(task(), { ...node, pidsLimit: 64 }, 0, 'r').confinement).toEqual({ pidsLimit: 64, writableRootfs: false });
    expect(containerSpec(task({ writable_rootfs: true }), node, 0, 'r').confinement).toEqual({ pidsLimit: 512, writableRootfs: true });
  });
});

describe('refusal and queue visibility', () => {
  it('refuses a task that needs more GPUs than the node has, saying why', () => {
    expect(refusal(task({ gpus: 1 }), { gpuCount: 0, admission: open })).toEqual({
      reason: 'needs_gpus',
      detail: 'task sqrt needs 1 GPU per container and this node has 0: running none of its containers here',
    });
    expect(refusal(task({ gpus: 2 }), { gpuCount: 2, admission: open })).toBeNull();
    expect(refusal(task(), { gpuCount: 0, admission: open })).toBeNull();
  });

  it('refuses what the volunteer\'s policy does not admit before looking at GPUs', () => {
    const strict = { allowedImages: ['ghcr.io/me/*'], requireDigest: true, allowGpus: false };
    expect(refusal(task({ image: 'docker.io/evil/miner:1', gpus: 1 }), { gpuCount: 0, admission: strict })).toMatchObject({ reason: 'image_not_allowed' });
    expect(refusal(task({ image: 'ghcr.io/me/w:1' }), { gpuCount: 0, admission: strict })).toMatchObject({ reason: 'image_digest_required' });
    expect(refusal(task({ image: `ghcr.io/me/w@sha256:${'a'.repeat(64)}`, gpus: 1 }), { gpuCount: 1, admission: strict })).toMatchObject({ reason: 'gpus_not_allowed' });
    expect(refusal(task({ image: `ghcr.io/me/w@sha256:${'a'.repeat(64)}` }), { gpuCount: 0, admission: strict })).toBeNull();
  });

  it('refuses a task whose constraints the node misses, naming each (issue 21.2)', () => {
    const placement = { platform: 'linux/arm64', labels: { region: 'us' }, memoryMb: 1024, cpus: 4 };
    const constrained = task({ constraints: { labels: { region: 'eu' }, min_memory_mb: 2048 } });
    expect(refusal(constrained, { gpuCount: 0, admission: open, placement })).toEqual({
      reason: 'constraints_not_met',
      detail: 'task sqrt constraints not met: label region≠eu; needs 2048 MB memory, has 1024: running none of its containers here',
    });
    const met = task({ constraints: { labels: { region: ['us', 'eu'] }, min_cpus: 4, platforms: ['linux/arm64'] } });
    expect(refusal(met, { gpuCount: 0, admission: open, placement })).toBeNull();
    expect(refusal(task(), { gpuCount: 0, admission: open, placement })).toBeNull();
  });

  it('sees a queue only with both input_redis and input_queue', () => {
    expect(queueVisible(task())).toBe(true);
    expect(queueVisible(task({ input_queue: null }))).toBe(false);
    expect(queueVisible(task({ input_redis: null }))).toBe(false);
  });
});

describe('a gateway task', () => {
  const credential = 'gcn_0123456789abcdef_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
  const gatewayTask = () => task({ input_redis: 'redis://127.0.0.1:6390', output_redis: 'redis://127.0.0.1:6390', data_plane: 'gateway' });

  it('hands each container the gateway with its own slot user and secret, and labels it', () => {
    const spec = containerSpec(gatewayTask(), { ...node, credential }, 2, 'run-1');
    const expected = `redis://n1.2:${containerSecret(credential, 2)}@127.0.0.1:6390`;
    expect(spec.env.INPUT_REDIS_URL).toBe(expected);
    expect(spec.env.OUTPUT_REDIS_URL).toBe(expected);
    expect(JSON.stringify(spec.env)).not.toContain(credential);
    expect(spec.labels[LABEL_DATA_PLANE]).toBe('gateway');
    expect(containerSpec(gatewayTask(), { ...node, credential }, 3, 'run-1').env.INPUT_REDIS_URL).not.toBe(expected);
  });

  it('is refused by a node without a credential (the legacy token)', () => {
    expect(refusal(gatewayTask(), { ...node, credential: null })).toMatchObject({ reason: 'refused' });
    expect(refusal(gatewayTask(), { ...node, credential })).toBeNull();
  });

  it('is acted on through the gateway; a direct task (or one without data_plane, as the original sends) through Redis', () => {
    expect(queueRefOf(gatewayTask()).dataPlane).toBe('gateway');
    expect(queueRefOf(task()).dataPlane).toBe('direct');
    expect(containerSpec(task(), { ...node, credential }, 0, 'r').labels[LABEL_DATA_PLANE]).toBeUndefined();
  });
});
