import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptRedisCommands } from './script-commands';

describe('scriptRedisCommands', () => {
  it('lists the commands the protocol scripts call, the read helper included', () => {
    const commands = scriptRedisCommands();
    for (const c of ['TIME', 'LPUSH', 'RPUSH', 'LRANGE', 'HINCRBY', 'ZADD', 'ZRANGEBYSCORE', 'INCR', 'TYPE', 'HLEN', 'ZCARD', 'LMOVE', 'HMGET']) {
      expect(commands).toContain(c);
    }
    expect(commands).not.toContain('EVAL');
    expect(commands).toEqual([...commands].sort());
  });

  it('refuses a script whose command cannot be read off its text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridcore-scripts-'));
    mkdirSync(join(dir, 'includes'));
    writeFileSync(join(dir, 'odd-1.lua'), "local c = ARGV[1]\nreturn redis.call(c, KEYS[1])\n");
    expect(() => scriptRedisCommands(dir)).toThrow(/odd calls a command that is not a literal \(c\)/);
  });
});
