import { queueSnapshot as snapshot } from '../queues/queue-snapshot.fixture';
import { ProgressTracker, progressOf } from './progress-tracker';

/** Feeds [seconds, processed, pending] samples and returns the figures of the last one. */
function lastOf(samples: [atS: number, processed: number, pending: number][]) {
  const tracker = new ProgressTracker();
  let last;
  for (const [atS, processed, pending] of samples) last = tracker.update(snapshot(atS, { processed, pending }));
  return last!;
}

describe('ProgressTracker', () => {
  it.each<[string, [number, number, number][], number, number | null]>([
    ['one sample has no rate and so no ETA', [[0, 0, 100]], 0, null],
    ['rate is done over elapsed time, ETA the remaining at that rate, rounded up', [[0, 0, 100], [10, 30, 70]], 3, 24],
    ['nothing left is an ETA of 0 whatever the rate', [[0, 0, 10], [5, 10, 0]], 2, 0],
    ['no progress is a rate of 0 and an unknown ETA', [[0, 5, 10], [10, 5, 10]], 0, null],
    ['a total that goes down (stats reset) is a rate of 0, never negative', [[0, 50, 10], [10, 20, 10]], 0, null],
    ['the rate is rounded to a tenth', [[0, 0, 100], [3, 1, 99]], 0.3, 297],
    // Older samples drop out of the 30 s window, so the rate follows the recent pace: slow (1/s)
    // to 40 s, then 10/s. The window spans 20 s..50 s: (140 - 20) / 30 = 4/s, not 140 / 50 = 2.8.
    ['the rate is measured over the last 30 s only', [[0, 0, 1000], [10, 10, 990], [20, 20, 980], [30, 30, 970], [40, 40, 960], [50, 140, 860]], 4, 215],
  ])('%s', (_, samples, itemsPerS, etaS) => {
    const progress = lastOf(samples);
    expect(progress.items_per_s).toBe(itemsPerS);
    expect(progress.eta_s).toBe(etaS);
  });

  it('keeps the oldest point while two or fewer are held, so a slow sampler still has a rate', () => {
    expect(lastOf([[0, 0, 100], [120, 60, 40]]).items_per_s).toBe(0.5);
  });

  it('counts done from the output length for original-style consumers that keep no stats', () => {
    const tracker = new ProgressTracker();
    tracker.update(snapshot(0, { outputLength: 0, pending: 20 }));
    const progress = tracker.update(snapshot(4, { outputLength: 8, pending: 12 }));
    expect(progress).toMatchObject({ done: 8, output_length: 8, items_per_s: 2, eta_s: 6 });
  });

  it('counts in-flight items as remaining', () => {
    expect(progressOf(snapshot(0, { pending: 3, inFlight: 7 }), 2).eta_s).toBe(5);
  });

  it('reports every figure of the snapshot, sampled at Redis time', () => {
    expect(progressOf(snapshot(1.5, { pending: 1, inFlight: 2, processed: 3, dead: 4, requeued: 5, outputLength: 6, perNode: { n: 3 } }), 0)).toEqual({
      pending: 1,
      in_flight: 2,
      done: 3,
      dead: 4,
      requeued: 5,
      output_length: 6,
      items_per_s: 0,
      eta_s: null,
      per_node: { n: 3 },
      sampled_at: '2026-01-01T00:00:01.500Z',
      error: null,
    });
  });
});
