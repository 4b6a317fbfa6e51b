import type { TaskProgressDto } from '@gridcore/contracts';
import { HISTORY_MAX_SAMPLES, HISTORY_WINDOW_MS, ProgressHistory } from './progress-history';

function sample(atMs: number, itemsPerS: number, error: string | null = null): TaskProgressDto {
  return { pending: 5, in_flight: 1, done: 10, dead: 0, requeued: 0, output_length: 10, items_per_s: itemsPerS, eta_s: 6, per_node: {}, sampled_at: new Date(atMs).toISOString(), error };
}

describe('ProgressHistory', () => {
  const t0 = Date.parse('2026-12-01T10:00:00Z');

  it('keeps the last ten minutes, oldest first, skipping failed samples, filtered by task', () => {
    const h = new ProgressHistory();
    h.record('a', 'run-a', sample(t0, 1));
    h.record('a', 'run-a', sample(t0 + 1000, 2, 'ECONNREFUSED'));
    h.record('b', 'run-b', sample(t0 + 2000, 3));
    expect(h.recent(undefined, t0 + 3000).map((s) => s.items_per_s)).toEqual([1, 3]);
    expect(h.recent('b', t0 + 3000)).toEqual([{ at: new Date(t0 + 2000).toISOString(), task: 'b', task_id: 'run-b', items_per_s: 3, done: 10, pending: 5, in_flight: 1 }]);
    expect(h.recent(undefined, t0 + HISTORY_WINDOW_MS + 1000).map((s) => s.task)).toEqual(['b']);
  });

  it('holds at most its cap of samples however often the hub samples', () => {
    const h = new ProgressHistory();
    for (let i = 0; i < HISTORY_MAX_SAMPLES + 500; i++) h.record('a', 'run-a', sample(t0 + i * 10, i));
    const kept = h.recent(undefined, t0 + (HISTORY_MAX_SAMPLES + 500) * 10);
    expect(kept).toHaveLength(HISTORY_MAX_SAMPLES);
    expect(kept[0].items_per_s).toBe(500);
  });
});
