import type { ThroughputSample } from './dashboard-state';
import { THROUGHPUT_WINDOW_MS } from './dashboard-state';
import { formatDuration, formatRate } from './format';

const W = 600;
const H = 120;

/** Items per second over the last minutes, as the hub's progress samples reported them. */
export function ThroughputChart(props: { samples: ThroughputSample[]; now?: number }) {
  const now = props.now ?? Date.now();
  const samples = props.samples.filter((s) => s.at >= now - THROUGHPUT_WINDOW_MS);
  if (samples.length === 0) return <p class="muted" data-testid="throughput-empty">No progress samples yet.</p>;
  const max = Math.max(1, ...samples.map((s) => s.items_per_s));
  // A page opened a minute ago has a minute of history: spread it over the width (at least 30 s).
  const span = Math.min(THROUGHPUT_WINDOW_MS, Math.max(30_000, now - samples[0].at));
  const x = (at: number) => ((at - (now - span)) / span) * W;
  const y = (v: number) => H - (v / max) * (H - 8);
  const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.items_per_s).toFixed(1)}`);
  const last = samples[samples.length - 1];
  const area = `${x(samples[0].at).toFixed(1)},${H} ${points.join(' ')} ${x(last.at).toFixed(1)},${H}`;
  return (
    <figure class="chart" data-testid="throughput">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`throughput, now ${formatRate(last.items_per_s)}`}>
        <line class="grid" x1="0" y1={y(max)} x2={W} y2={y(max)} />
        <line class="grid" x1="0" y1={y(max / 2)} x2={W} y2={y(max / 2)} />
        <polygon class="area" points={area} />
        <polyline class="line" points={points.join(' ')} />
      </svg>
      <figcaption>
        <span>now {formatRate(last.items_per_s)}</span>
        <span class="muted">peak {formatRate(max)} · {formatDuration(span / 1000)} ago → now</span>
      </figcaption>
    </figure>
  );
}
