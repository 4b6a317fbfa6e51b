import { DEFAULT_RESTART_POLICY, ExitReport, RestartTracker } from './restart-tracker';

const crash = (exitCode: number, ranForMs = 1_000, oomKilled = false): ExitReport => ({ exitCode, oomKilled, ranForMs });
const lost = (exitCode = 137): ExitReport => ({ exitCode, oomKilled: false, ranForMs: 3_000, lostWithEngine: true });
const clean: ExitReport = { exitCode: 0, oomKilled: false, ranForMs: 40_000 };

describe('RestartTracker', () => {
  // random() = 0.5 puts the jitter exactly in the middle: the delay is the pure exponential.
  const mid = () => 0.5;

  it.each([
    ['a crash', [crash(1)], { action: 'restart', delayMs: 1_000, recovery: 'requeue' }],
    ['a second crash in a row', [crash(1), crash(2)], { action: 'restart', delayMs: 2_000, recovery: 'requeue' }],
    ['a SIGKILL from outside', [crash(137)], { action: 'restart', delayMs: 1_000, recovery: 'requeue' }],
    ['the OOM killer', [crash(137, 100, true)], { action: 'restart', delayMs: 1_000, recovery: 'requeue' }],
    ['the sixth crash in a row', [crash(1), crash(1), crash(1), crash(1), crash(1), crash(1)], { action: 'restart', delayMs: 32_000 }],
    ['the eighth crash in a row (capped)', Array.from({ length: 8 }, () => crash(1)), { action: 'restart', delayMs: 60_000 }],
    ['the twentieth crash in a row (capped)', Array.from({ length: 20 }, () => crash(1)), { action: 'restart', delayMs: 60_000 }],
    ['a crash after a long healthy run', [crash(1), crash(1), crash(1), crash(1, 61_000)], { action: 'restart', delayMs: 1_000 }],
    ['exit 0 on a visible queue', [clean], { action: 'wait-for-items', recovery: 'requeue' }],
    ['exit 0 after crashes', [crash(1), crash(1), clean, crash(1)], { action: 'restart', delayMs: 1_000 }],
    ['an end while the engine was away', [lost()], { action: 'restart', delayMs: 0, recovery: 'requeue' }],
    ['an exit 0 while the engine was away', [lost(0)], { action: 'restart', delayMs: 0, recovery: 'requeue' }],
    ['an engine loss neither counts as a failure nor clears the series', [crash(1), crash(1), lost(), crash(1)], { action: 'restart', delayMs: 4_000 }],
    ['exit 0 killed by OOM is a failure', [{ ...clean, oomKilled: true }], { action: 'restart', delayMs: 1_000 }],
  ])('%s', (_name, exits, expected) => {
    const tracker = new RestartTracker(DEFAULT_RESTART_POLICY, mid);
    let decision;
    for (const exit of exits) decision = tracker.onExit(exit, { queueVisible: true });
    expect(decision).toMatchObject(expected);
  });

  it('restarts after 30 s when exit 0 comes from a queue the node cannot see', () => {
    const tracker = new RestartTracker(DEFAULT_RESTART_POLICY, mid);
    expect(tracker.onExit(clean, { queueVisible: false })).toMatchObject({ action: 'restart', delayMs: 30_000, recovery: 'requeue' });
  });

  it.each([
    [0, 1, 800],
    [1, 1, 1_200],
    [0, 3, 3_200],
    [0.999999, 3, 4_800],
    [1, 7, 60_000],
    [0, 7, 48_000],
  ])('jitter: random()=%p on failure %p gives %p ms', (r, failures, expected) => {
    const tracker = new RestartTracker(DEFAULT_RESTART_POLICY, () => r);
    let decision;
    for (let i = 0; i < failures; i++) decision = tracker.onExit(crash(1), { queueVisible: true });
    expect(decision).toMatchObject({ action: 'restart', delayMs: expected });
  });

  it('starts a new series after a task change', () => {
    const tracker = new RestartTracker(DEFAULT_RESTART_POLICY, mid);
    for (let i = 0; i < 4; i++) tracker.onExit(crash(1), { queueVisible: true });
    expect(tracker.consecutiveFailures).toBe(4);
    tracker.reset();
    expect(tracker.consecutiveFailures).toBe(0);
    expect(tracker.onExit(crash(1), { queueVisible: true })).toMatchObject({ delayMs: 1_000 });
  });

  describe('failed starts', () => {
    const recoverable = { recoverable: true };
    const unrecoverable = { recoverable: false };
    type Event = { start: { recoverable: boolean } } | { exit: ExitReport } | 'reset';

    it.each<[string, Event[], number]>([
      ['a first recoverable failure', [{ start: recoverable }], 2_000],
      ['a third in a row (doubling)', [{ start: recoverable }, { start: recoverable }, { start: recoverable }], 8_000],
      ['the sixth in a row (capped at the restart cap)', Array.from({ length: 6 }, () => ({ start: recoverable })), 60_000],
      ['an image that will not appear by itself', [{ start: unrecoverable }], 60_000],
      ['a recoverable one after an unrecoverable one still counts the series', [{ start: unrecoverable }, { start: recoverable }], 4_000],
      ['a container that started (and exited) ends the series', [{ start: recoverable }, { start: recoverable }, { exit: crash(1) }, { start: recoverable }], 2_000],
      ['a task change ends the series', [{ start: recoverable }, { start: recoverable }, 'reset', { start: recoverable }], 2_000],
    ])('%s waits %p ms', (_name, events, expected) => {
      const tracker = new RestartTracker(DEFAULT_RESTART_POLICY, mid);
      let delay = -1;
      for (const e of events) {
        if (e === 'reset') tracker.reset();
        else if ('start' in e) delay = tracker.onStartFailure(e.start).delayMs;
        else tracker.onExit(e.exit, { queueVisible: true });
      }
      expect(delay).toBe(expected);
    });

    it('keeps start failures apart from the crash series', () => {
      const tracker = new RestartTracker(DEFAULT_RESTART_POLICY, mid);
      tracker.onExit(crash(1), { queueVisible: true });
      tracker.onExit(crash(1), { queueVisible: true });
      expect(tracker.onStartFailure(recoverable)).toMatchObject({ delayMs: 2_000 });
      expect(tracker.consecutiveStartFailures).toBe(1);
      expect(tracker.consecutiveFailures).toBe(2);
      expect(tracker.onExit(crash(1), { queueVisible: true })).toMatchObject({ delayMs: 4_000 });
      expect(tracker.consecutiveStartFailures).toBe(0);
    });

    it('spreads a recoverable retry by the jitter', () => {
      expect(new RestartTracker(DEFAULT_RESTART_POLICY, () => 0).onStartFailure(recoverable).delayMs).toBe(1_600);
      expect(new RestartTracker(DEFAULT_RESTART_POLICY, () => 1).onStartFailure(recoverable).delayMs).toBe(2_400);
    });
  });
});
