import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('parses events split anywhere across chunks', () => {
    const text = 'id: 1\nevent: progress\ndata: {"a":1}\n\n: comment\nevent: ping\ndata: x\ndata: y\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events).toEqual([
        { event: 'progress', data: '{"a":1}', id: '1' },
        { event: 'ping', data: 'x\ny', id: '1' },
      ]);
    }
  });

  it('accepts CRLF and CR line ends, a CRLF split between chunks, and defaults the type', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r\ndata:b\r\r\n')).toEqual([
      { event: 'message', data: 'a', id: null },
      { event: 'message', data: 'b', id: null },
    ]);
  });

  it('ignores a block without data and keeps an incomplete event for later', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\ndata: partial')).toEqual([]);
    expect(p.push('\n\n')).toEqual([{ event: 'message', data: 'partial', id: null }]);
  });
});
