/** Display helpers shared by the dashboard's views; pure, so they are unit-tested in Node. */

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '–';
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  return `${perSecond.toFixed(1)}/s`;
}

/** `42s`, `3m 05s`, `2h 07m`, `3d 4h`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function formatPct(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return '–';
  return `${Math.round(pct)}%`;
}

/** Seconds between two RFC 3339 times (the second defaults to now), or null. */
export function secondsBetween(from: string | null, to: string | null, now = Date.now()): number | null {
  if (!from) return null;
  const end = to ? Date.parse(to) : now;
  const start = Date.parse(from);
  return Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : null;
}

/** Done as a fraction of all items the task has seen (done + pending + in flight + dead). */
export function completedFraction(p: { done: number; pending: number; in_flight: number; dead: number }): number {
  const total = p.done + p.pending + p.in_flight + p.dead;
  return total > 0 ? p.done / total : 0;
}

/** The smallest 1, 2 or 5 × 10^k at or above `n` (a chart's top line). */
export function niceCeiling(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= n - 1e-9) return step * magnitude;
  return 10 * magnitude;
}

/** `14:03:27` in the viewer's time zone (24 h), or `–`. */
export function formatClock(iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** `Dec 1, 14:03` in the viewer's time zone, or `–`. */
export function formatWhen(iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}
