import fc from 'fast-check';
import { MAX_JSON_DEPTH, refusalOfJsonValue } from './forbidden-field-names';

/** What the hub did before: a JSON.parse reviver refusing the names, the first one it met. */
function refusalByReviver(text: string): string | null {
  try {
    JSON.parse(text, (key: string, value: unknown) => {
      if (['__proto__', 'constructor', 'prototype'].includes(key)) throw new Error(`field name ${key} is not allowed`);
      return value;
    });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const nested = (depth: number) => '['.repeat(depth - 1) + '{"a":1}' + ']'.repeat(depth - 1);

describe('refusalOfJsonValue', () => {
  it('passes a body without forbidden names, and any value that is not an object', () => {
    const beat = { node_id: 'n', instances: [{ instance: 0, state: 'running' }], usage: { gpus: [{ index: 0 }] } };
    for (const value of [beat, [], {}, null, 3, 'constructor', [['prototype']]]) expect(refusalOfJsonValue(value)).toBeNull();
  });

  it('refuses each forbidden name at any depth, __proto__ as JSON.parse leaves it (an own field)', () => {
    for (const text of ['{"__proto__":{}}', '{"a":[{"constructor":1}]}', '[1,{"b":{"prototype":null}}]']) {
      expect(refusalOfJsonValue(JSON.parse(text))).toBe(refusalByReviver(text));
      expect(refusalOfJsonValue(JSON.parse(text))).toMatch(/^field name (__proto__|constructor|prototype) is not allowed$/);
    }
  });

  it('names the same field as the reviver did, whatever the body', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.stringMatching(/^[a-z_]{1,6}$/));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 0 }),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`).map((text) => JSON.parse(text) as unknown),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        expect(refusalOfJsonValue(JSON.parse(text))).toBe(refusalByReviver(text));
      }),
      { numRuns: 500 },
    );
  });

  it(`takes nesting to ${MAX_JSON_DEPTH} levels and refuses deeper, without overflowing the stack`, () => {
    expect(refusalOfJsonValue(JSON.parse(nested(MAX_JSON_DEPTH)))).toBeNull();
    expect(refusalOfJsonValue(JSON.parse(nested(MAX_JSON_DEPTH + 1)))).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(refusalOfJsonValue(JSON.parse(nested(200_000)))).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  });
});
