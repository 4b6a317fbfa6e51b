import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { DockerodeRuntime } from './dockerode-runtime';
import { DockerUnreachableError } from './errors/docker-unreachable.error';
import { ImageNotFoundError } from './errors/image-not-found.error';
import { ImagePullError } from './errors/image-pull.error';
import { RuntimeTimeoutError } from './errors/runtime-timeout.error';

/** A fake engine with just what ensureImage and ping touch. */
function fakeDocker(opts: { present?: boolean; pullFailures?: unknown[]; pingDelayMs?: number; pingFails?: boolean }) {
  const calls = { pulls: 0, inspects: 0 };
  const failures = [...(opts.pullFailures ?? [])];
  let present = opts.present ?? false;
  const docker = {
    ping: () =>
      opts.pingFails
        ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }))
        : new Promise((r) => setTimeout(r, opts.pingDelayMs ?? 0).unref()),
    getImage: () => ({
      inspect: async () => {
        calls.inspects++;
        if (!present) throw Object.assign(new Error('(HTTP code 404) no such image - No such image'), { statusCode: 404 });
        return {};
      },
    }),
    pull: async () => {
      calls.pulls++;
      await new Promise((r) => setTimeout(r, 20));
      const failure = failures.shift();
      if (failure) throw failure;
      const stream = new PassThrough();
      setImmediate(() => stream.end());
      present = true;
      return stream;
    },
    modem: {
      followProgress: (stream: NodeJS.ReadableStream, done: (err: Error | null) => void) => {
        stream.on('end', () => done(null));
        stream.resume();
      },
    },
  };
  return { docker: docker as unknown as Docker, calls };
}

describe('DockerodeRuntime (fake engine)', () => {
  it('pulls a missing image once for many concurrent callers', async () => {
    const { docker, calls } = fakeDocker({});
    const runtime = new DockerodeRuntime({ docker });
    await Promise.all(Array.from({ length: 8 }, () => runtime.ensureImage('img:1')));
    expect(calls.pulls).toBe(1);
    await runtime.ensureImage('img:1');
    expect(calls.pulls).toBe(1);
  });

  it('retries a recoverable pull failure and then succeeds', async () => {
    const { docker, calls } = fakeDocker({ pullFailures: [Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' })] });
    const runtime = new DockerodeRuntime({ docker, pullBackoffMs: 1 });
    await runtime.ensureImage('img:2');
    expect(calls.pulls).toBe(2);
  });

  it('gives up after the attempts with a recoverable error, and at once on a missing image', async () => {
    const busy = Object.assign(new Error('(HTTP code 500) server error - registry unavailable'), { statusCode: 500 });
    const flaky = fakeDocker({ pullFailures: [busy, busy, busy] });
    const err = await new DockerodeRuntime({ docker: flaky.docker, pullBackoffMs: 1, pullAttempts: 3 }).ensureImage('img:3').catch((e) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect(err.recoverable).toBe(true);
    expect(flaky.calls.pulls).toBe(3);

    const denied = Object.assign(new Error('(HTTP code 404) unexpected - pull access denied for img'), { statusCode: 404 });
    const missing = fakeDocker({ pullFailures: [denied] });
    const err2 = await new DockerodeRuntime({ docker: missing.docker, pullBackoffMs: 1 }).ensureImage('img:4').catch((e) => e);
    expect(err2).toBeInstanceOf(ImageNotFoundError);
    expect(err2.recoverable).toBe(false);
    expect(err2.message).toBe('image img:4 is not on this node and could not be pulled: pull access denied for img');
    expect(missing.calls.pulls).toBe(1);
  });

  it('puts a deadline on every call', async () => {
    const { docker } = fakeDocker({ pingDelayMs: 5_000 });
    const runtime = new DockerodeRuntime({ docker, callTimeoutMs: 50 });
    const t0 = Date.now();
    const err = await runtime.ping().catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeTimeoutError);
    expect(err.recoverable).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('gives a pull up at once when the engine itself went away, so the caller waits for the engine', async () => {
    const gone = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    const { docker, calls } = fakeDocker({ pullFailures: [gone, gone, gone], pingFails: true });
    const err = await new DockerodeRuntime({ docker, pullBackoffMs: 1, pullAttempts: 3 }).ensureImage('img:5').catch((e) => e);
    expect(err).toBeInstanceOf(DockerUnreachableError);
    expect(calls.pulls).toBe(1);
  });
});
