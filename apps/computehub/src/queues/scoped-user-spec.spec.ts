import { aclRules, escapeAclPattern, FORBIDDEN_COMMANDS, scopedUserCommands, taskKeyScopes, urlWithUser } from './scoped-user-spec';

describe('scoped user spec', () => {
  it('escapes glob characters but not braces', () => {
    expect(escapeAclPattern('a*b?c[d]e\\f{g}')).toBe('a\\*b\\?c\\[d\\]e\\\\f{g}');
  });

  it('covers Q, the output and P:* of an untagged queue', () => {
    const { input, output } = taskKeyScopes('sqrt:in', 'sqrt:out', true);
    expect(input).toEqual({ exact: ['sqrt:in', 'sqrt:out'], prefixes: ['{sqrt:in}:'] });
    expect(output).toBeNull();
    const rules = aclRules(input, 'ab'.repeat(32), ['EVALSHA', 'CLIENT|ID']);
    expect(rules).toEqual(['on', `#${'ab'.repeat(32)}`, 'resetkeys', '~sqrt:in', '~sqrt:out', '~{sqrt:in}:*', 'resetchannels', '-@all', '+evalsha', '+client|id']);
  });

  it('puts an output on another server in a scope of its own', () => {
    expect(taskKeyScopes('{t}:in', '{t}:out', false)).toEqual({ input: { exact: ['{t}:in'], prefixes: ['{t}:in:'] }, output: { exact: ['{t}:out'], prefixes: [] } });
  });

  it('gives the scripts\' commands and the clients\', none forbidden', () => {
    const commands = scopedUserCommands();
    for (const c of ['EVALSHA', 'TIME', 'ZADD', 'HINCRBY', 'BLMOVE', 'BRPOP', 'CLIENT|UNBLOCK', 'INFO', 'PING']) expect(commands).toContain(c);
    for (const c of FORBIDDEN_COMMANDS) expect(commands).not.toContain(c);
  });

  it('keeps the scheme, host, port and db of the URL', () => {
    expect(urlWithUser('rediss://:op@redis.example:6380/2', 'gridcore-r-n', 'p/w')).toBe('rediss://gridcore-r-n:p%2Fw@redis.example:6380/2');
    expect(urlWithUser('redis://127.0.0.1:6379', 'u', 'p')).toBe('redis://u:p@127.0.0.1:6379');
  });
});
