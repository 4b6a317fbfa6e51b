import { queueSnapshot } from '../queues/queue-snapshot.fixture';
import type { QueueSnapshot } from '../queues/task-queues';
import { AutoFinishPolicy } from './auto-finish-policy';

/** One sample: seconds since the start, and what changed since the sample before (a drained, quiet queue at first). */
type Sample = [atS: number, fields?: Partial<QueueSnapshot>];

/** A drained queue whose 100 items are done, as a finished run leaves it. */
const snapshot = (atS: number, fields: Partial<QueueSnapshot>) => queueSnapshot(atS, { processed: 100, outputLength: 100, configRunId: 'run', ...fields });

/** Feeds the samples to a fresh policy and returns the seconds at which it said "finish now". */
function finishesAt(samples: Sample[], graceS: number): number[] {
  const policy = new AutoFinishPolicy();
  let state: Partial<QueueSnapshot> = {};
  return samples
    .filter(([atS, changed]) => {
      state = { ...state, ...changed };
      return policy.observe(snapshot(atS, state), graceS);
    })
    .map(([atS]) => atS);
}

describe('AutoFinishPolicy', () => {
  it.each<[string, number, Sample[], number[]]>([
    ['a drained, quiet queue finishes once the grace has passed since the first quiet sample', 10, [[0], [5], [9.999], [10], [11]], [10, 11]],
    ['a grace of 0 finishes on the first drained sample', 0, [[0]], [0]],
    ['items pending never finish', 1, [[0, { pending: 1 }], [5], [50]], []],
    ['items in flight never finish', 1, [[0, { inFlight: 2 }], [50]], []],
    ['the grace starts again after the queue was busy', 10, [[0], [8, { pending: 3 }], [9, { pending: 0 }], [18], [19]], [19]],
    ['output that grows restarts the grace', 10, [[0], [8, { outputLength: 101 }], [17], [18]], [18]],
    ['a processed total that grows restarts the grace', 10, [[0], [8, { processed: 101 }], [17], [18]], [18]],
    ['a reap restarts the grace (it put items back that may yet be done)', 10, [[0], [8, { lastReapMs: 7_000 }], [17], [18]], [18]],
    ['the same reap seen again does not restart it', 10, [[0, { lastReapMs: 5 }], [8], [10]], [10]],
    ['a task without an output list finishes on its processed total', 10, [[0, { outputLength: null }], [10]], [10]],
    ['a grace of fractional seconds is kept to the millisecond', 0.5, [[0], [0.499], [0.5]], [0.5]],
  ])('%s', (_, graceS, samples, expected) => {
    expect(finishesAt(samples, graceS)).toEqual(expected);
  });

  it('measures the grace against the grace asked on each sample (a config change applies at once)', () => {
    const policy = new AutoFinishPolicy();
    expect(policy.observe(snapshot(0, {}), 60)).toBe(false);
    expect(policy.observe(snapshot(20, {}), 60)).toBe(false);
    expect(policy.observe(snapshot(21, {}), 20)).toBe(true);
  });
});
