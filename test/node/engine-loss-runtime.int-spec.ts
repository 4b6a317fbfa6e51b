import { randomUUID } from 'node:crypto';
import { DockerodeRuntime, DockerUnreachableError, RuntimeError } from '@gridcore/docker-runtime';
import { createPrivateEngine, PrivateEngine } from '../support/private-engine';
import { ensureTestImage, requireDockerEngine } from './support/test-image';

/**
 * The dockerode adapter when its engine dies: a SIGKILLed dockerd just closes its sockets, and a
 * wait on that socket must end instead of hanging (issue 14, fault 2).
 */
describe('DockerodeRuntime when the engine is SIGKILLed', () => {
  jest.setTimeout(120_000);
  const labels = { 'gridcore.test': `loss-${randomUUID().slice(0, 8)}` };
  let engine: PrivateEngine;
  let image: string;

  beforeAll(async () => {
    requireDockerEngine();
    image = ensureTestImage();
    engine = createPrivateEngine();
    await engine.start();
    await engine.loadImage(image);
  }, 180_000);

  afterAll(() => engine?.cleanup());

  it('ends wait and the engine watch with a recoverable unreachable error, and shows the exit once the engine is back', async () => {
    const runtime = new DockerodeRuntime({ socketPath: engine.socket, callTimeoutMs: 5_000 });
    const id = await runtime.start({ image, env: { MODE: 'serve' }, labels, networkMode: 'host' });
    const waited = runtime.wait(id).then(
      (exit) => ({ exit }),
      (err: unknown) => ({ err }),
    );
    const lost = runtime.engineLost();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await engine.kill('SIGKILL');

    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([waited, new Promise((r) => (timer = setTimeout(() => r('still waiting'), 10_000)))]);
    clearTimeout(timer);
    console.log(`wait ended ${Date.now() - t0} ms after dockerd was SIGKILLed`);
    expect(outcome).toEqual({ err: expect.any(DockerUnreachableError) });
    const err = (outcome as { err: RuntimeError }).err;
    expect(err.recoverable).toBe(true);
    expect(err.message).toContain(`cannot reach the Docker engine at ${engine.socket}`);
    await expect(lost).resolves.toBeInstanceOf(DockerUnreachableError);
    await expect(runtime.ping()).rejects.toBeInstanceOf(DockerUnreachableError);

    await engine.start();
    // Without live-restore the restarted engine ends what ran before; wait then reports that exit.
    await expect(runtime.wait(id)).resolves.toMatchObject({ exitCode: expect.any(Number) });
    expect((await runtime.inspect(id)).running).toBe(false);
    await runtime.remove(id);
  });

  it('rejects the engine watch when it is aborted', async () => {
    const runtime = new DockerodeRuntime({ socketPath: engine.socket });
    const controller = new AbortController();
    const watch = runtime.engineLost(controller.signal);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await expect(watch).rejects.toMatchObject({ code: 'WATCH_ABORTED' });
  });
});
