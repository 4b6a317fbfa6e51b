import { FollowBuffer, withinBudget } from './log-relay';

describe('FollowBuffer', () => {
  it('sends whole lines only, and the rest with the exit', () => {
    const buffer = new FollowBuffer();
    buffer.add({ instance: 0, container_id: 'c', text: 'one\ntw' });
    expect(buffer.take()).toEqual([{ instance: 0, container_id: 'c', text: 'one\n' }]);
    buffer.add({ instance: 0, container_id: 'c', text: 'o' });
    expect(buffer.take()).toEqual([]);
    buffer.add({ instance: 0, container_id: 'c', text: '', exit_code: 1 });
    expect(buffer.take()).toEqual([{ instance: 0, container_id: 'c', text: 'two', exit_code: 1 }]);
    expect(buffer.take()).toEqual([]);
  });

  it('an exit with nothing left to send is still told', () => {
    const buffer = new FollowBuffer();
    buffer.add({ instance: 2, container_id: 'c', text: '', exit_code: 137 });
    expect(buffer.take()).toEqual([{ instance: 2, container_id: 'c', text: '', exit_code: 137 }]);
  });

  it('splits a flood into pieces and keeps what does not fit for the next flush', () => {
    const buffer = new FollowBuffer();
    buffer.add({ instance: 0, container_id: 'c', text: `${'x'.repeat(40_000)}\n` });
    const first = buffer.take(2);
    expect(first.map((c) => c.text.length)).toEqual([16_384, 16_384]);
    const rest = buffer.take(2);
    expect(rest.map((c) => c.text.length)).toEqual([40_001 - 32_768]);
  });
});

describe('withinBudget', () => {
  const container = (text: string) => ({ instance: 0, container_id: 'c', task: 't', started_at: '', exited_at: null, exit_code: null, running: true, truncated: false, text });
  it('leaves small answers alone and cuts big ones to whole lines from the end', () => {
    const small = [container('a\n')];
    expect(withinBudget(small, 100)).toBe(small);
    const [cut] = withinBudget([container('aaaa\nbbbb\ncccc\n')], 8);
    expect(cut).toMatchObject({ text: 'cccc\n', truncated: true });
  });
});
