/**
 * `previous` when `next` holds the same JSON data, else `next`. A heartbeat mostly repeats what
 * the node said last time (the same instances, the same status); keeping the stored value lets
 * the new copy die young, instead of being promoted to the old generation and swept there a
 * few seconds later, which with thousands of nodes was a large share of the hub's GC.
 * Plain data only (what JSON.parse and class-transformer give): objects compare own enumerable
 * fields, arrays their items; at most `MAX_DEPTH` levels, deeper is treated as changed.
 */
export function unlessChanged<T>(previous: T, next: T): T {
  return sameData(previous, next, 0) ? previous : next;
}

const MAX_DEPTH = 8;

function sameData(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth >= MAX_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!Object.prototype.hasOwnProperty.call(left, key)) continue;
    if (!Object.prototype.hasOwnProperty.call(right, key) || !sameData(left[key], right[key], depth + 1)) return false;
    count += 1;
  }
  for (const key in right) if (Object.prototype.hasOwnProperty.call(right, key)) count -= 1;
  return count === 0;
}
