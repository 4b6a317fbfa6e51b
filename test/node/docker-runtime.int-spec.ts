import { randomUUID } from 'node:crypto';
import {
  ContainerNotFoundError,
  DockerodeRuntime,
  DockerUnreachableError,
  ImageNotFoundError,
  ImagePullError,
  RuntimeError,
} from '@gridcore/docker-runtime';
import { dockerInspect, ensureTestImage, listLabelled, removeLabelled, requireDockerEngine } from './support/test-image';

/** The dockerode adapter against the real engine (shared/ENVIRONMENT.md: scripts/ensure-system.sh). */
describe('DockerodeRuntime on a real engine', () => {
  const run = randomUUID().slice(0, 8);
  const labels = { 'gridcore.test': `rt-${run}` };
  let image: string;
  const runtime = new DockerodeRuntime({ callTimeoutMs: 20_000, pullAttempts: 2, pullBackoffMs: 100 });

  beforeAll(() => {
    requireDockerEngine();
    image = ensureTestImage();
  });
  afterAll(() => removeLabelled(`gridcore.test=rt-${run}`));

  it('starts a container with NanoCpus, memory, labels, env and host networking, and reads them back', async () => {
    const id = await runtime.start({
      image,
      env: { MODE: 'serve', TASK_NAME: 't1' },
      labels: { ...labels, 'gridcore.instance': '0' },
      cpus: 0.5,
      memoryMb: 64,
      networkMode: 'host',
    });
    const info = dockerInspect(id);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.CpuCount).toBe(0);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.NetworkMode).toBe('host');
    expect(info.Config.Labels).toMatchObject({ 'gridcore.test': `rt-${run}`, 'gridcore.instance': '0' });
    const details = await runtime.inspect(id);
    expect(details).toMatchObject({ running: true, state: 'running', env: expect.objectContaining({ TASK_NAME: 't1' }) });
    const waited = runtime.wait(id);
    const t0 = Date.now();
    await runtime.stop(id, 5);
    expect(Date.now() - t0).toBeLessThan(3_000);
    await expect(waited).resolves.toEqual({ exitCode: 0, oomKilled: false, error: undefined, imageId: expect.stringMatching(/^sha256:/) });
    await runtime.remove(id);
    await runtime.remove(id); // idempotent
    await expect(runtime.inspect(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  it('SIGKILLs a container that ignores SIGTERM after the grace time', async () => {
    const id = await runtime.start({ image, env: { MODE: 'ignore-term' }, labels, networkMode: 'host' });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await runtime.stop(id, 1);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect((await runtime.inspect(id)).exitCode).toBe(137);
    await runtime.remove(id);
  });

  it('stops at once a container whose program has no SIGTERM handler (yet): an init is PID 1, not the program', async () => {
    // A worker stopped in its first moments (a task switch right after a start) has not installed
    // its handler; as PID 1 it would ignore SIGTERM and hold the stop for the whole stop_timeout.
    const id = await runtime.start({ image, env: { MODE: 'exit', EXIT_AFTER_S: '3600' }, labels, networkMode: 'host' });
    expect(dockerInspect(id).HostConfig.Init).toBe(true);
    const t0 = Date.now();
    await runtime.stop(id, 10);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await runtime.inspect(id)).exitCode).toBe(143);
    await runtime.remove(id);
  });

  it('reports exit codes through wait and lists only containers with every label', async () => {
    const other = { 'gridcore.test': `rt-${run}`, 'gridcore.node': `other-${run}` };
    const a = await runtime.start({ image, env: { MODE: 'exit', EXIT_CODE: '3' }, labels: { ...labels, 'gridcore.node': `me-${run}` } });
    const b = await runtime.create({ image, env: {}, labels: other });
    await expect(runtime.wait(a)).resolves.toMatchObject({ exitCode: 3, oomKilled: false });
    const mine = await runtime.listManaged({ 'gridcore.node': `me-${run}` });
    expect(mine.map((c) => c.id)).toEqual([a]);
    expect(mine[0].state).toBe('exited');
    expect((await runtime.listManaged({ 'gridcore.node': `other-${run}` })).map((c) => c.id)).toEqual([b]);
    await runtime.remove(a);
    await runtime.remove(b);
  });

  it('requests GPUs as docker run --gpus does (DeviceRequests on a created container), and start fails clearly here', async () => {
    const id = await runtime.create({ image, env: {}, labels, gpus: 2 });
    const info = dockerInspect(id);
    expect(info.HostConfig.DeviceRequests).toEqual([
      { Driver: '', Count: 2, DeviceIDs: null, Capabilities: [['gpu']], Options: {} },
    ]);
    expect(info.State.Status).toBe('created');
    await runtime.remove(id);
    // This machine has no GPU and no nvidia runtime: start is refused and nothing is left behind.
    const before = listLabelled(`gridcore.test=rt-${run}`).length;
    const err = await runtime.start({ image, env: {}, labels, gpus: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.message).toMatch(/gpu|device/i);
    expect(listLabelled(`gridcore.test=rt-${run}`).length).toBe(before);
  });

  it('finds a present image without pulling, once for many concurrent callers', async () => {
    await expect(Promise.all([runtime.ensureImage(image), runtime.ensureImage(image), runtime.ensureImage(image)])).resolves.toHaveLength(3);
  });

  it('refuses an image no registry has with a typed error naming it', async () => {
    const missing = `gridcore-test/missing-${run}:none`;
    const err = await runtime.ensureImage(missing).catch((e) => e);
    expect(err instanceof ImageNotFoundError || err instanceof ImagePullError).toBe(true);
    expect(err.message).toContain(missing);
  }, 120_000);

  it('names the socket when the engine is unreachable', async () => {
    const socket = `/tmp/gridcore-no-docker-${run}.sock`;
    const offline = new DockerodeRuntime({ socketPath: socket, callTimeoutMs: 2_000 });
    const err = await offline.ping().catch((e) => e);
    expect(err).toBeInstanceOf(DockerUnreachableError);
    expect(err.recoverable).toBe(true);
    expect(err.message).toContain(socket);
    await expect(offline.listManaged(labels)).rejects.toBeInstanceOf(DockerUnreachableError);
  });
});
