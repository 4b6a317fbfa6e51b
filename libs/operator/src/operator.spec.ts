import { PassThrough } from 'node:stream';
import { formatDuration, formatProgressLine } from './progress-format';
import { ProgressDisplay } from './progress-display';
import { SseParser } from './sse-reader';
import { resolveTaskRedis } from './redis-target';
import { readLines } from './read-lines';
import { httpError } from './hub-errors';

describe('progress formatting', () => {
  it('shows done/total, percent, rate and ETA, with a bar on a terminal', () => {
    const line = formatProgressLine('push sqrt', { done: 45_000, total: 100_000, rate: 12_345.6, eta: 4.4 }, 120);
    expect(line).toMatch(/^push sqrt \[#+-+\]  45,000\/100,000  45\.0%  12,346 items\/s  ETA 00:04$/);
    expect(formatProgressLine('push', { done: 10, rate: 5 }, 80, false)).toBe('push  10  5 items/s');
    expect(formatProgressLine('x', { done: 1, total: 2, rate: 1, eta: 1 }, 20).length).toBeLessThanOrEqual(20);
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('--:--');
  });

  it('redraws in place on a TTY and prints plain lines elsewhere', () => {
    const out = (tty: boolean) => {
      const stream = new PassThrough() as unknown as NodeJS.WriteStream;
      let text = '';
      (stream as unknown as PassThrough).on('data', (c: Buffer) => (text += c.toString()));
      const d = new ProgressDisplay('watch t', { stream, tty, redrawMs: 0, lineMs: 0 });
      d.update({ done: 1, total: 4 });
      d.update({ done: 2, total: 4 });
      d.finish({ done: 4, total: 4 });
      return text;
    };
    const tty = out(true);
    expect(tty.split('\r\x1b[2K')).toHaveLength(4);
    expect(tty.endsWith('\n')).toBe(true);
    expect(tty.slice(0, -1)).not.toContain('\n');
    const plain = out(false);
    expect(plain).not.toContain('\r');
    expect(plain.trim().split('\n')).toHaveLength(3);
    expect(plain).toContain('4/4  100.0%');
  });
});

describe('SseParser', () => {
  it('parses events split across chunks, skips comments and keeps the event name', () => {
    const p = new SseParser();
    expect(p.push('event: progress\ndata: {"type":"progress",')).toEqual([]);
    expect(p.push('"data":{"done":3}}\n\n:keepalive\n\nevent: ping\r\ndata: {"at":1}\r\n\r\n')).toEqual([
      { type: 'progress', data: { type: 'progress', data: { done: 3 } } },
      { type: 'ping', data: { at: 1 } },
    ]);
  });
});

describe('resolveTaskRedis', () => {
  const task = 'redis://:****@127.0.0.1:6400/2';
  it('takes host, port and db from the task and the password from the credentials', () => {
    expect(resolveTaskRedis(task, 't', { password: 'p w' })).toEqual({ url: 'redis://:p%20w@127.0.0.1:6400/2', where: '127.0.0.1:6400/2' });
  });
  it('takes the password from the profile URL only when it names the same server', () => {
    expect(resolveTaskRedis(task, 't', { profileUrl: 'redis://:pp@localhost:6400/0' }).url).toBe('redis://:pp@127.0.0.1:6400/2');
    expect(() => resolveTaskRedis(task, 't', { profileUrl: 'redis://:pp@127.0.0.1:6401', cluster: 'prod' })).toThrow(
      /task t uses Redis 127\.0\.0\.1:6400\/2 but cluster prod's redis_url names 127\.0\.0\.1:6401\/0/,
    );
  });
  it('refuses a masked password it cannot fill, and a task without a Redis URL', () => {
    expect(() => resolveTaskRedis(task, 't', {})).toThrow(/wants a password: set redis_password/);
    expect(() => resolveTaskRedis(null, 't')).toThrow(/has no input_redis/);
    expect(resolveTaskRedis('redis://127.0.0.1:6400', 't', { password: 'x' }).url).toBe('redis://127.0.0.1:6400/0');
  });
});

describe('readLines and hub errors', () => {
  it('splits chunks into lines across boundaries, CRLF and blanks included', async () => {
    const s = new PassThrough();
    s.end('1\n2\r\n\n3');
    const s2 = new PassThrough();
    s2.write('ab');
    s2.end('c\nd\n');
    const all = async (x: PassThrough) => {
      const out: string[] = [];
      for await (const chunk of readLines(x)) out.push(...chunk);
      return out;
    };
    expect(await all(s)).toEqual(['1', '2', '3']);
    expect(await all(s2)).toEqual(['abc', 'd']);
  });
  it('maps 401, 403, 404 and 5xx to one line', () => {
    expect(httpError(401, {}, 'x').message).toBe('the hub refused the token (check credentials.toml)');
    expect(httpError(403, {}, 'x').message).toBe('this token lacks the admin role');
    expect(httpError(404, { message: 'Task nope not found' }, 'x').message).toBe('Task nope not found');
    expect(httpError(500, { message: 'Internal server error' }, 'GET /api/tasks').message).toBe('the hub answered 500 to GET /api/tasks: Internal server error');
  });
});
