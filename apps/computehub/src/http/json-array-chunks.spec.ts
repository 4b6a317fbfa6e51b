import { jsonArrayChunks } from './json-array-chunks';

describe('jsonArrayChunks', () => {
  it('writes an empty array as []', () => {
    expect([...jsonArrayChunks([], (x) => x)].join('')).toBe('[]');
  });

  it('joins to the JSON of the whole array, in chunks of about the given size', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => ({ id: `n-${i}`, pad: 'x'.repeat(i % 300) }));
    const chunks = [...jsonArrayChunks(items, (item) => item, 16 * 1024)];
    expect(JSON.parse(chunks.join(''))).toEqual(items);
    expect(chunks.length).toBeGreaterThan(10);
    // A chunk closes as soon as it passes the size: at most one item over it.
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(16 * 1024 + 400);
  });
});
