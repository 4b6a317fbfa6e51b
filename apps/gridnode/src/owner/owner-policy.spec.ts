import { loadNodeConfig } from '../config/node-config';
import { configErrorMessage, envSource } from '../../../../test/support/config-source';
import { insideHours, parseHoursWindow } from './hours';
import { containerCpus } from './owner-policy';
import { OwnerWatch } from './owner-watch';

const URL = { GRIDNODE_SERVER_URL: 'http://127.0.0.1:1' };

describe('owner policy keys', () => {
  it('reads every key from env, with defaults that limit nothing', () => {
    expect(loadNodeConfig(envSource(URL)).owner).toMatchObject({ cpuLimitPercent: null, runWhenIdle: false, hours: [], pauseOnBattery: false, maxMemoryPercent: null });
    const owner = loadNodeConfig(
      envSource({ ...URL, GRIDNODE_CPU_LIMIT_PERCENT: '50', GRIDNODE_RUN_WHEN_IDLE: 'yes', GRIDNODE_IDLE_CPU_PERCENT: '12.5', GRIDNODE_IDLE_AFTER_S: '5', GRIDNODE_HOURS: '22:00-07:00,12:00-13:00', GRIDNODE_IDLE_EXCLUDE: 'dockerd,make', GRIDNODE_PAUSE_ON_BATTERY: 'true', GRIDNODE_MAX_MEMORY_PERCENT: '80' }),
    ).owner!;
    expect(owner).toMatchObject({ cpuLimitPercent: 50, runWhenIdle: true, idleCpuPercent: 12.5, idleAfterS: 5, idleExclude: ['dockerd', 'make'], pauseOnBattery: true, maxMemoryPercent: 80 });
    expect(owner.hours.map((h) => h.text)).toEqual(['22:00-07:00', '12:00-13:00']);
  });

  it.each([
    ['GRIDNODE_CPU_LIMIT_PERCENT', '0', /^config: cpu_limit_percent \(from GRIDNODE_CPU_LIMIT_PERCENT\) must be an integer from 1 to 100/],
    ['GRIDNODE_CPU_LIMIT_PERCENT', '101', /cpu_limit_percent/],
    ['GRIDNODE_IDLE_CPU_PERCENT', 'lots', /^config: idle_cpu_percent .* must be a number from 1 to 100/],
    ['GRIDNODE_IDLE_AFTER_S', '-1', /^config: idle_after_s /],
    ['GRIDNODE_RUN_WHEN_IDLE', 'maybe', /^config: run_when_idle .* must be true or false/],
    ['GRIDNODE_HOURS', '22-7', /^config: hours .* must be a list of time windows such as "22:00-07:00"/],
    ['GRIDNODE_HOURS', '08:00-08:00', /^config: hours must be time windows .* whose start and end differ/],
    ['GRIDNODE_MAX_MEMORY_PERCENT', '100.5', /^config: max_memory_percent /],
    ['GRIDNODE_IDLE_EXCLUDE', 'a/b', /^config: idle_exclude /],
    ['GRIDNODE_PAUSE_ON_BATTERY', '2', /^config: pause_on_battery /],
  ])('%s=%s is refused in one line naming the key', (variable, value, message) => {
    const text = configErrorMessage(() => loadNodeConfig(envSource({ ...URL, [variable]: value })));
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});

describe('hours windows', () => {
  const at = (h: number, m = 0) => new Date(2026, 0, 2, h, m);
  it('a window across midnight holds from its start to its end, local time', () => {
    const night = [parseHoursWindow('22:00-07:00')!];
    expect([at(21, 59), at(22), at(3), at(6, 59), at(7)].map((d) => insideHours(night, d))).toEqual([false, true, true, true, false]);
    expect(insideHours([], at(12))).toBe(true);
    expect(insideHours([parseHoursWindow('09:00-17:00')!], at(12))).toBe(true);
  });
});

describe('cpu_limit_percent', () => {
  it('gives each of N containers host CPUs × percent / 100 / N, never more than the task asks', () => {
    expect(containerCpus(1, 2, 2, 50)).toBe(0.5);
    expect(containerCpus(1, 8, 2, 50)).toBe(1);
    expect(containerCpus(2, 4, 3, 75)).toBe(1);
    expect(containerCpus(1, 4, 2, null)).toBe(1);
  });
});

describe('OwnerWatch', () => {
  function watch(samples: number[], policy: Partial<ConstructorParameters<typeof OwnerWatch>[0]['policy']> = {}) {
    let now = 0;
    const meter = { sample: async () => samples.shift() ?? 0 };
    const w = new OwnerWatch({
      policy: { cpuLimitPercent: null, runWhenIdle: true, idleCpuPercent: 50, idleAfterS: 1, idleExclude: [], hours: [], pauseOnBattery: false, maxMemoryPercent: null, ...policy },
      gridContainers: () => new Set(),
      runningContainers: () => 4,
      meter: meter as never,
      memPct: async () => 30,
      battery: async () => true,
      now: () => new Date(now),
    });
    return { w, step: async (ms = 250) => ((now += ms), await w.tick()) };
  }

  it('pauses after two busy samples, resumes after idle_after_s of quiet, and by hand wins', async () => {
    const { w, step } = watch([10, 80, 90, 10, 10, 10, 10, 10, 10]);
    await step();
    await step();
    expect(w.paused$.value).toBeNull();
    await step();
    expect(w.paused$.value?.reason).toBe('owner_busy');
    expect(w.load()).toBeGreaterThan(30);
    for (let i = 0; i < 4; i++) await step();
    expect(w.paused$.value?.reason).toBe('owner_busy');
    await step();
    expect(w.paused$.value).toBeNull();
    w.pauseByHand();
    expect(w.paused$.value?.reason).toBe('by_hand');
    w.resumeByHand();
    expect(w.paused$.value).toBeNull();
  });

  it('pauses on battery only with pause_on_battery', async () => {
    const on = watch([], { runWhenIdle: false, pauseOnBattery: true });
    await on.step(3000);
    expect(on.w.paused$.value?.reason).toBe('on_battery');
    const off = watch([], { runWhenIdle: false });
    await off.step(3000);
    expect(off.w.paused$.value).toBeNull();
  });

  it('caps the containers one below the running count while memory is above max_memory_percent', async () => {
    const { w, step } = watch([], { runWhenIdle: false, maxMemoryPercent: 20 });
    await step();
    expect(w.containerCap()).toBe(3);
    await step(5000);
    expect(w.containerCap()).toBe(2);
  });
});
