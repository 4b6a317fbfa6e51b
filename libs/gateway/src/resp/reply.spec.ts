import { encode, errorReply, map, notAllowed, NULL_ARRAY, OK } from './reply';

const wire = (r: Parameters<typeof encode>[0], proto: 2 | 3) => encode(r, proto).join('');

describe('reply encoding', () => {
  it('writes strings, integers, arrays and statuses alike in both protocols', () => {
    for (const proto of [2, 3] as const) {
      expect(wire('héllo', proto)).toBe('$6\r\nhéllo\r\n');
      expect(wire(42, proto)).toBe(':42\r\n');
      expect(wire(['a', 1, ['b']], proto)).toBe('*3\r\n$1\r\na\r\n:1\r\n*1\r\n$1\r\nb\r\n');
      expect(wire(OK, proto)).toBe('+OK\r\n');
    }
  });

  it('writes nulls and maps as each protocol does', () => {
    expect(wire(null, 2)).toBe('$-1\r\n');
    expect(wire(NULL_ARRAY, 2)).toBe('*-1\r\n');
    expect(wire(null, 3)).toBe('_\r\n');
    expect(wire(NULL_ARRAY, 3)).toBe('_\r\n');
    expect(wire(map([['proto', 3]]), 2)).toBe('*2\r\n$5\r\nproto\r\n:3\r\n');
    expect(wire(map([['proto', 3]]), 3)).toBe('%1\r\n$5\r\nproto\r\n:3\r\n');
  });

  it('keeps an error on one line and names the refused command', () => {
    expect(wire(errorReply('ERR a\r\nb'), 2)).toBe('-ERR a b\r\n');
    expect(wire(notAllowed('FLUSHALL'), 2)).toBe('-ERR gridcore gateway: FLUSHALL is not allowed\r\n');
  });
});
