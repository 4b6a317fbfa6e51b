import { completedFraction, formatCount, formatDuration, formatPct, formatRate, niceCeiling, secondsBetween } from './format';

describe('format', () => {
  it('chart tops', () => {
    expect([0, 0.3, 1, 1.2, 3, 7, 42.1, 49.3, 120, 5001].map(niceCeiling)).toEqual([1, 0.5, 1, 2, 5, 10, 50, 50, 200, 10_000]);
  });

  it('durations', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(7620)).toBe('2h 07m');
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe('3d 4h');
    expect(formatDuration(null)).toBe('–');
  });

  it('rates, counts and percentages', () => {
    expect(formatRate(3.14)).toBe('3.1/s');
    expect(formatRate(250.4)).toBe('250/s');
    expect(formatRate(12_345)).toBe('12.3k/s');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatPct(33.6)).toBe('34%');
    expect(formatPct(undefined)).toBe('–');
  });

  it('times and fractions', () => {
    expect(secondsBetween('2026-01-01T00:00:00Z', '2026-01-01T00:01:30Z')).toBe(90);
    expect(secondsBetween(null, null)).toBeNull();
    expect(completedFraction({ done: 30, pending: 60, in_flight: 5, dead: 5 })).toBe(0.3);
    expect(completedFraction({ done: 0, pending: 0, in_flight: 0, dead: 0 })).toBe(0);
  });
});
