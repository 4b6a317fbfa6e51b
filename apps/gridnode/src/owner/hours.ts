/** One window of the day, local time, in minutes since midnight; `end` before `start` runs past midnight. */
export interface HoursWindow {
  start: number;
  end: number;
  text: string;
}

export const HOURS_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** `"22:00-07:00"` → a window; null when the text is not one (the config schema says so first). */
export function parseHoursWindow(text: string): HoursWindow | null {
  const m = HOURS_PATTERN.exec(text.trim());
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 24 * 60 || start === end) return null;
  return { start, end, text };
}

/** Whether `at` (local time) lies in any window; no windows: any time. */
export function insideHours(windows: readonly HoursWindow[], at: Date): boolean {
  if (windows.length === 0) return true;
  const minute = at.getHours() * 60 + at.getMinutes();
  return windows.some((w) => (w.start < w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end));
}
