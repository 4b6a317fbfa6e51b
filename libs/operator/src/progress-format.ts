/** Pure formatting for {@link ProgressDisplay}; kept apart so it is tested without a terminal. */

export interface ProgressFigures {
  done: number;
  /** Unknown while a push reads from a pipe. */
  total?: number | null;
  /** Items per second; computed by the display when not given. */
  rate?: number | null;
  /** Seconds; computed from rate and total when not given. */
  eta?: number | null;
  /** Extra words at the end (`dead 3`, `in flight 200`). */
  note?: string;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '- items/s';
  return `${formatCount(rate)} items/s`;
}

/** `label [#####-----] done/total pct% rate items/s ETA mm:ss note`, fitted to `width` columns. */
export function formatProgressLine(label: string, f: ProgressFigures, width = 80, bar = true): string {
  const total = f.total ?? null;
  const pct = total && total > 0 ? Math.min(100, (f.done / total) * 100) : null;
  const counts = total !== null ? `${formatCount(f.done)}/${formatCount(total)}` : formatCount(f.done);
  const parts = [counts];
  if (pct !== null) parts.push(`${pct.toFixed(1)}%`);
  parts.push(formatRate(f.rate));
  if (total !== null) parts.push(`ETA ${formatDuration(f.eta)}`);
  if (f.note) parts.push(f.note);
  const tail = parts.join('  ');
  let head = label;
  if (bar && pct !== null) {
    const room = width - label.length - tail.length - 6;
    const barWidth = Math.max(0, Math.min(40, room));
    if (barWidth >= 5) {
      const filled = Math.round((barWidth * pct) / 100);
      head = `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
    }
  }
  const line = `${head}  ${tail}`;
  return line.length > width ? line.slice(0, Math.max(1, width - 1)) : line;
}
