import { DockerUnreachableError, RuntimeError } from '@gridcore/docker-runtime';
import { InertRuntime } from '../../../../test/support/inert-runtime';
import { EngineMonitor, EngineState } from './engine-monitor';

/** An engine switched by the test: ping answers or not, and its event-stream watch breaks on demand. */
class SwitchedEngine extends InertRuntime {
  answering = true;
  pings = 0;
  watches = 0;
  private breakWatch: (() => void) | null = null;

  override async ping() {
    this.pings++;
    if (!this.answering) throw new DockerUnreachableError('/s.sock', 'ECONNREFUSED');
  }
  override engineLost(signal?: AbortSignal): Promise<RuntimeError> {
    this.watches++;
    if (!this.answering) return Promise.reject(new DockerUnreachableError('/s.sock', 'ECONNREFUSED'));
    return new Promise((resolve, reject) => {
      this.breakWatch = () => resolve(new DockerUnreachableError('/s.sock', 'event stream broke: ECONNRESET'));
      signal?.addEventListener('abort', () => reject(new RuntimeError('WATCH_ABORTED', 'closed', true)), { once: true });
    });
  }
  /** dockerd SIGKILLed: the watch breaks and pings fail. */
  die() {
    this.answering = false;
    this.breakWatch?.();
  }
}

const until = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('EngineMonitor', () => {
  const options = { baseDelayMs: 10, maxDelayMs: 40, random: () => 0.5 };

  it('notices a broken event stream at once, reports why, and notices the return within the capped backoff', async () => {
    const engine = new SwitchedEngine();
    const monitor = new EngineMonitor(engine, options);
    const returns: EngineState[] = [];
    await monitor.start();
    monitor.returned$.subscribe((s) => returns.push(s));
    expect(monitor.up).toBe(true);
    await until(() => engine.watches === 1);

    engine.die();
    await until(() => !monitor.up);
    expect(monitor.reason).toBe(
      'cannot reach the Docker engine at /s.sock (ECONNREFUSED): is dockerd running and may this user use its socket? Set docker_socket (GRIDNODE_DOCKER_SOCKET) if it lives elsewhere',
    );
    const waiting = monitor.whenUp(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 100));
    const pingsWhileAway = engine.pings;
    // 100 ms with pauses of 10, 20, 40, 40...: a handful of pings, not a spin.
    expect(pingsWhileAway).toBeGreaterThanOrEqual(3);
    expect(pingsWhileAway).toBeLessThan(10);
    expect(returns).toEqual([]);

    engine.answering = true;
    const t0 = Date.now();
    await expect(waiting).resolves.toBe(true);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(returns).toEqual([{ up: true }]);
    await until(() => engine.watches === 2);
    await monitor.close();
  });

  it('starts without an engine, reports it, and lets a waiter give up when its signal aborts', async () => {
    const engine = new SwitchedEngine();
    engine.answering = false;
    const monitor = new EngineMonitor(engine, options);
    await monitor.start();
    expect(monitor.up).toBe(false);
    expect(monitor.reason).toContain('cannot reach the Docker engine at /s.sock');
    const controller = new AbortController();
    const waiting = monitor.whenUp(controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    const returned = new Promise((resolve) => monitor.returned$.subscribe(resolve));
    engine.answering = true;
    await expect(returned).resolves.toEqual({ up: true });
    await monitor.close();
  });

  it('looks again at once when a worker reports the engine gone, and stays up when it still answers', async () => {
    const engine = new SwitchedEngine();
    const monitor = new EngineMonitor(engine, options);
    await monitor.start();
    await until(() => engine.watches === 1);
    const pings = engine.pings;
    monitor.lost(new DockerUnreachableError('/s.sock', 'ECONNRESET'));
    await until(() => engine.pings === pings + 1);
    expect(monitor.up).toBe(true);
    await until(() => engine.watches === 2);
    monitor.lost(new Error('an image problem, not the engine'));
    await new Promise((r) => setTimeout(r, 30));
    expect(engine.pings).toBe(pings + 1);
    await monitor.close();
  });
});
