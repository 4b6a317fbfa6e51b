import type { ThroughputSample } from './dashboard-state';
import { THROUGHPUT_WINDOW_MS } from './dashboard-state';
import { formatDuration, formatRate, niceCeiling } from './format';

const W = 600;
const H = 120;

/**
 * Items per second over the last minutes, as the hub's progress samples reported them (its recent
 * history on load, then the stream). The axes are HTML beside a stretched SVG so their text keeps
 * its size on any screen; the y axis is in items per second, the x axis in time before now.
 */
export function ThroughputChart(props: { samples: ThroughputSample[]; now?: number }) {
  const now = props.now ?? Date.now();
  const samples = props.samples.filter((s) => s.at >= now - THROUGHPUT_WINDOW_MS);
  if (samples.length === 0) return <p class="muted" data-testid="throughput-empty">No progress samples in the last {formatDuration(THROUGHPUT_WINDOW_MS / 1000)}.</p>;
  const peak = Math.max(...samples.map((s) => s.items_per_s));
  const top = niceCeiling(Math.max(1, peak));
  // A short history is spread over the width (at least a minute), a long one shows ten minutes.
  const span = Math.min(THROUGHPUT_WINDOW_MS, Math.max(60_000, now - samples[0].at));
  const x = (at: number) => ((at - (now - span)) / span) * W;
  const y = (v: number) => H - (v / top) * H;
  const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.items_per_s).toFixed(1)}`);
  const last = samples[samples.length - 1];
  const area = `${x(samples[0].at).toFixed(1)},${H} ${points.join(' ')} ${x(last.at).toFixed(1)},${H}`;
  return (
    <figure class="chart" data-testid="throughput">
      <div class="chart-body">
        <div class="y-axis" data-testid="throughput-y-axis" aria-hidden="true">
          <span>{formatRate(top)}</span>
          <span>{formatRate(top / 2)}</span>
          <span>0/s</span>
        </div>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`throughput in items per second, now ${formatRate(last.items_per_s)}`}>
          <line class="grid" x1="0" y1="0.5" x2={W} y2="0.5" />
          <line class="grid" x1="0" y1={H / 2} x2={W} y2={H / 2} />
          <line class="axis" x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} />
          <line class="axis" x1="0.5" y1="0" x2="0.5" y2={H} />
          <polygon class="area" points={area} />
          <polyline class="line" points={points.join(' ')} />
        </svg>
        <div class="x-axis" data-testid="throughput-x-axis" aria-hidden="true">
          <span>{formatDuration(span / 1000)} ago</span>
          <span>{formatDuration(span / 2000)} ago</span>
          <span>now</span>
        </div>
      </div>
      <figcaption>
        <span>
          now <strong data-testid="throughput-now">{formatRate(last.items_per_s)}</strong> <span class="muted">items per second</span>
        </span>
        <span class="muted">peak {formatRate(peak)} · {samples.length} samples</span>
      </figcaption>
    </figure>
  );
}
