/**
 * class-transformer drops these names silently instead of letting the validator refuse them as
 * unknown fields, and they are never fields of ours: a JSON body holding one is refused.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deeper than any DTO of ours by far. The JSON.parse reviver this check replaced overflowed the
 * stack past about 2,700 levels, which refused such a body as malformed; an explicit bound keeps
 * that refusal without depending on the stack, and keeps nested data the validators walk small.
 */
export const MAX_JSON_DEPTH = 1_000;

/**
 * Why a parsed JSON body is refused (a forbidden field name, or nesting past MAX_JSON_DEPTH), or
 * null. Walks the value once, after JSON.parse: a reviver would cost several times the parse on
 * every body. Names the key a reviver would have met first (the deepest, leftmost one), so the
 * message does not depend on how the check is done. The recursion is bounded by MAX_JSON_DEPTH,
 * far below what overflows the stack.
 */
export function refusalOfJsonValue(value: unknown, depth = 1): string | null {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const refusal = refusalOfJsonValue(value[index], depth + 1);
      if (refusal !== null) return refusal;
    }
    return null;
  }
  for (const key in value) {
    // Post-order, as a reviver: a key is met once everything under its value was.
    const refusal = refusalOfJsonValue((value as Record<string, unknown>)[key], depth + 1);
    if (refusal !== null) return refusal;
    if (FORBIDDEN_KEYS.has(key)) return `field name ${key} is not allowed`;
  }
  return null;
}
