import { closestKey, editDistance } from './did-you-mean';

describe('editDistance', () => {
  it.each([
    ['parallelism', 'parallelism', 0],
    ['paralellism', 'parallelism', 2],
    ['bind', 'binds', 1],
    ['token', 'tokne', 2],
    ['', 'abc', 3],
    ['state_dir', 'state_store', 4],
  ])('%s → %s is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('stops counting past the limit', () => {
    expect(editDistance('architecture', 'bind', 2)).toBe(3);
  });
});

describe('closestKey', () => {
  const known = ['bind', 'token', 'parallelism', 'heartbeat_interval', 'state_dir'];
  it('names the known key within two edits, ignoring case', () => {
    expect(closestKey('paralellism', known)).toBe('parallelism');
    expect(closestKey('HEARTBEAT_INTERVAL', known)).toBe('heartbeat_interval');
    expect(closestKey('heartbeat-interva', known)).toBe('heartbeat_interval');
  });
  it('names nothing for a key three edits or more from every known one', () => {
    expect(closestKey('architecture', known)).toBeNull();
    expect(closestKey('log_level', known)).toBeNull();
    expect(closestKey('parallelism_max', known)).toBeNull();
  });
});
