import { FreezeClock } from './freeze-clock';
import { HungWatchdog } from './hung-watchdog';

describe('FreezeClock', () => {
  it('counts a late tick that used almost no CPU as frozen, not one the process spent computing', () => {
    const clock = new FreezeClock(250);
    clock.observe(260, 1);
    clock.observe(10_250, 3);
    clock.observe(5_250, 5_000);
    expect(clock.frozenMs()).toBe(10_000);
  });
});

describe('HungWatchdog', () => {
  afterEach(() => jest.useRealTimers());

  it('fires at start + timeout, later by the time the process was frozen', () => {
    jest.useFakeTimers({ now: 0 });
    let frozen = 0;
    const freezes = { frozenMs: () => frozen } as unknown as FreezeClock;
    const hung: string[] = [];
    const w = new HungWatchdog(1_000, (k) => hung.push(k), freezes);
    w.started('b1');
    frozen = 600;
    jest.advanceTimersByTime(1_000);
    expect(hung).toEqual([]);
    jest.advanceTimersByTime(599);
    expect(hung).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(hung).toEqual(['b1']);
    w.stop();
  });
});

describe('the Python SDK watchdog (gridcore_worker.hung_watchdog)', () => {
  it('moves a running handler start forward by a frozen gap, not by a busy one', () => {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const program = `
import sys
sys.path.insert(0, ${JSON.stringify(require('node:path').resolve(__dirname, '..', '..', 'python'))})
from gridcore_worker.hung_watchdog import HungWatchdog
w = HungWatchdog(10)
w.running["b"] = 100.0
w.last_check = (100.0, 5.0, 1.0)
w.discount_freeze(131.0, 5.01)   # 30 s late, no CPU: frozen
frozen = w.running["b"]
w.last_check = (131.0, 5.01, 1.0)
w.discount_freeze(162.0, 35.0)   # 30 s late, 30 s of CPU: busy, not frozen
print(frozen, w.running["b"])
`;
    const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('130.0 130.0');
  });
});
