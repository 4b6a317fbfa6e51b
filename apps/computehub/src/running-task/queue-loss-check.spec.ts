import { queueLossReason } from './queue-loss-check';

describe('queueLossReason', () => {
  it.each([
    ['config never written yet, none seen', false, null, null],
    ['config never written yet, another run seen', false, 'old-run', null],
    ['config written, its run id seen', true, 'run-1', null],
  ])('%s: no loss', (_what, written, seen, expected) => {
    expect(queueLossReason('run-1', written as boolean, seen as string | null)).toBe(expected);
  });

  it('a written config that is gone is a loss, saying what can cause it', () => {
    expect(queueLossReason('run-1', true, null)).toMatch(/P:config.*is gone.*restarted without persistence.*flushed.*empty replica/);
  });

  it('a written config naming another run is a loss, naming both runs', () => {
    expect(queueLossReason('run-1', true, 'run-0')).toMatch(/names run run-0, not this run run-1/);
  });
});
