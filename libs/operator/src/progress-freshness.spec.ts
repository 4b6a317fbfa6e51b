import { PushMark, sampleIsCurrent } from './progress-freshness';

const at = (ms: number) => ({ sampled_at: new Date(ms).toISOString() });
const alive = () => true;
const gone = () => false;

describe('sampleIsCurrent', () => {
  const start = 1_000_000;

  it('refuses a sample older than the watcher start', () => {
    expect(sampleIsCurrent(at(start - 1), start, null, alive)).toBe(false);
    expect(sampleIsCurrent(at(start), start, null, alive)).toBe(true);
  });

  it('needs a sample strictly after the last push ended', () => {
    const push: PushMark = { startedMs: start + 10, finishedMs: start + 500, pid: 1 };
    expect(sampleIsCurrent(at(start + 100), start, push, alive)).toBe(false);
    expect(sampleIsCurrent(at(start + 500), start, push, alive)).toBe(false);
    expect(sampleIsCurrent(at(start + 501), start, push, alive)).toBe(true);
  });

  it('never ends a watch while a push runs; a push that died counts from its start', () => {
    const running: PushMark = { startedMs: start + 10, finishedMs: null, pid: 4242 };
    expect(sampleIsCurrent(at(start + 9_999), start, running, alive)).toBe(false);
    expect(sampleIsCurrent(at(start + 9_999), start, running, gone)).toBe(true);
    expect(sampleIsCurrent(at(start + 5), start, running, gone)).toBe(false);
  });

  it('treats an unreadable sample time as too old', () => {
    expect(sampleIsCurrent({ sampled_at: 'garbage' }, start, null, alive)).toBe(false);
  });
});
