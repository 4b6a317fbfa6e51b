import { redisServerIdentity } from '@gridcore/queue';
import { overlapBetween, serverScopesOf } from './key-scope-overlap';

const A = 'redis://:pw@127.0.0.1:6400';
const identify = (url: string) => redisServerIdentity(url);
const task = (input_queue: string, output_queue: string | null, input_redis = A, output_redis: string | null = null) =>
  serverScopesOf({ input_redis, output_redis: output_redis ?? input_redis, input_queue, output_queue }, identify);

describe('overlapBetween', () => {
  it.each([
    ['the same queues reused', task('sqrt:in', 'sqrt:out'), task('sqrt:in', 'sqrt:out'), null],
    ['different queues', task('a:in', 'a:out'), task('b:in', 'b:out'), null],
    ['tagged siblings', task('{sq}:in', '{sq}:out'), task('{sq}:in2', '{sq}:out2'), null],
    ['one task\'s output is another\'s input', task('a:in', 'mid'), task('mid', 'b:out'), 'mid'],
    ['a shared output list', task('a:in', 'out'), task('b:in', 'out'), 'out'],
    ['a queue under another\'s prefix', task('x', 'x:out'), task('{x}:in', 'y:out'), '{x}:in'],
    ['same input, another output', task('q', 'o1'), task('q', 'o2'), 'q'],
    ['other server', task('a:in', 'mid'), task('mid', 'b:out', 'redis://127.0.0.1:6401'), null],
    ['same server under another name', task('a:in', 'mid'), task('mid', 'b:out', 'redis://:x@localhost:6400/0'), 'mid'],
    ['same server, another db', task('a:in', 'mid'), task('mid', 'b:out', 'redis://:pw@127.0.0.1:6400/3'), null],
  ])('%s', (_what, a, b, expected) => {
    expect(overlapBetween(a, b)).toBe(expected);
  });

  it('escaping is not needed for the check: a glob character is a plain key character here', () => {
    expect(overlapBetween(task('a*', 'o'), task('ab', 'p'))).toBeNull();
  });

  it('a task without a queue has no scope', () => {
    expect(serverScopesOf({ input_redis: null, output_redis: null, input_queue: 'q', output_queue: null }, identify)).toEqual([]);
  });
});
