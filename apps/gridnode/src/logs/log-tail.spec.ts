import { lastLines, LogTail } from './log-tail';
import { ContainerLogBook } from './container-log-book';

describe('LogTail', () => {
  it('keeps the last bytes and drops the partial first line once it cut', () => {
    const tail = new LogTail(10);
    tail.append(Buffer.from('line1\nline2\n'));
    expect(tail.truncated).toBe(true);
    expect(tail.text()).toBe('line2\n');
    tail.append(Buffer.from('ab\n'));
    expect(tail.text()).toBe('line2\nab\n');
  });

  it('keeps everything under the limit', () => {
    const tail = new LogTail(100);
    tail.append(Buffer.from('a\n'));
    tail.append(Buffer.from('b\n'));
    expect(tail.text()).toBe('a\nb\n');
    expect(tail.truncated).toBe(false);
  });
});

describe('lastLines', () => {
  it.each([
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc', 1, 'c'],
    ['a\nb\n', 5, 'a\nb\n'],
    ['\nx', 2, '\nx'],
    ['a\n', 0, ''],
  ])('%j, %d lines', (text, n, expected) => expect(lastLines(text, n)).toBe(expected));
});

describe('ContainerLogBook', () => {
  it('keeps the last three containers of an instance, of the current task only', () => {
    const book = new ContainerLogBook();
    for (const id of ['c1', 'c2', 'c3', 'c4']) book.open(0, id, 't').append(Buffer.from(`${id}\n`));
    book.open(1, 'd1', 't');
    expect(book.snapshot(0, 10).map((c) => c.container_id)).toEqual(['c2', 'c3', 'c4']);
    expect(book.snapshot(null, 10).map((c) => c.container_id)).toEqual(['c2', 'c3', 'c4', 'd1']);
    book.open(0, 'n1', 'other');
    expect(book.snapshot(null, 10).map((c) => c.container_id)).toEqual(['n1']);
  });

  it('tells followers of the instance about new output and exits', () => {
    const book = new ContainerLogBook();
    const seen: unknown[] = [];
    const stop = book.follow(0, (c) => seen.push(c));
    const entry = book.open(0, 'c1', 't');
    book.open(1, 'x', 't').append(Buffer.from('not mine'));
    entry.append(Buffer.from('hi\n'));
    entry.exited(1);
    stop();
    entry.append(Buffer.from('late'));
    expect(seen).toEqual([
      { instance: 0, container_id: 'c1', text: 'hi\n' },
      { instance: 0, container_id: 'c1', text: '', exit_code: 1 },
    ]);
    expect(book.snapshot(0, 5)[0]).toMatchObject({ exit_code: 1, running: false, text: 'hi\nlate' });
  });
});
