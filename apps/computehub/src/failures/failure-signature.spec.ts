import { failureSignature, groupId, normaliseMessage } from './failure-signature';
import { groupFailures, itemsOfGroup } from './failure-groups';

describe('failure signatures', () => {
  it('masks numbers, quoted values, uuids and hex so one cause is one signature', () => {
    expect(normaliseMessage('value 42 out of range (max 7.5e3) for "item-9"')).toBe('value <n> out of range (max <n>) for <q>');
    expect(normaliseMessage("no row 'abc' in 3f2a9c01d4e5b6a7c8 for 123e4567-e89b-12d3-a456-426614174000")).toBe('no row <q> in <hex> for <uuid>');
    expect(normaliseMessage('first line 1\n  at stack 2')).toBe('first line <n>');
  });

  it('keeps the kind, and an exit its code', () => {
    expect(failureSignature({ kind: 'exit', message: 'container exited with code 3', exit_code: 3 })).toBe('exit 3: container exited with code <n>');
    expect(failureSignature({ kind: 'exit', message: 'container killed by the OOM killer (exit code 137)', exit_code: 137 })).not.toBe(
      failureSignature({ kind: 'exit', message: 'container exited with code 3', exit_code: 3 }),
    );
    expect(failureSignature(null)).toBe('unknown: no cause recorded');
    expect(groupId('x')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('groups dead items, largest first, with samples, nodes and times', () => {
    const items = [
      ...[1, 2, 3].map((n) => ({ item: `a${n}`, cause: { kind: 'error' as const, message: `bad value ${n * 11}`, node: 'n1', at: 1000 + n } })),
      { item: 'b1', cause: { kind: 'hung' as const, message: 'hung past batch_timeout_s (2 s)', node: 'n2', at: 5000 } },
      { item: 'c1', cause: null },
    ];
    const groups = groupFailures(items);
    expect(groups.map((g) => [g.signature, g.count])).toEqual([
      ['error: bad value <n>', 3],
      ['hung: hung past batch_timeout_s (<n> s)', 1],
      ['unknown: no cause recorded', 1],
    ]);
    expect(groups[0]).toMatchObject({ sample_items: ['a1', 'a2', 'a3'], nodes: ['n1'], first_seen: new Date(1001).toISOString(), last_seen: new Date(1003).toISOString() });
    expect(groups[0].example).toMatchObject({ kind: 'error', message: 'bad value 11', item: 'a1', node: 'n1' });
    expect(itemsOfGroup(items, groups[0].id)).toEqual(['a1', 'a2', 'a3']);
    expect(itemsOfGroup(items, '0000000000000000')).toEqual([]);
  });
});
