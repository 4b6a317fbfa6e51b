import { StopSignal } from './stop-signal';

describe('StopSignal', () => {
  it('announces the first request once, to subscribers before and after it, and ignores the rest', () => {
    const stop = new StopSignal();
    const early: string[] = [];
    stop.requested$.subscribe((why) => early.push(why));
    expect(stop.stopRequested).toBe(false);
    stop.request('hub');
    stop.request('signal');
    stop.request('hub');
    const late: string[] = [];
    stop.requested$.subscribe((why) => late.push(why));
    expect(early).toEqual(['hub']);
    expect(late).toEqual(['hub']);
    expect(stop.stopRequested).toBe(true);
  });
});
