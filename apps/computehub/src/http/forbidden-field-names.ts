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

interface Frame {
  value: object;
  keys: string[] | null;
  index: number;
}

/**
 * Why a parsed JSON body is refused (a forbidden field name, or nesting past MAX_JSON_DEPTH), or
 * null. Walks the value once, after JSON.parse: a reviver would cost several times the parse on
 * every body. Names the key a reviver would have met first (the deepest, leftmost one), so the
 * message does not depend on how the check is done; iterative, so no body overflows the stack.
 */
export function refusalOfJsonValue(root: unknown): string | null {
  if (typeof root !== 'object' || root === null) return null;
  const stack: Frame[] = [{ value: root, keys: Array.isArray(root) ? null : Object.keys(root), index: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const length = frame.keys ? frame.keys.length : (frame.value as unknown[]).length;
    if (frame.index >= length) {
      stack.pop();
      // Post-order, as a reviver: a key is met once everything under its value was.
      const parent = stack[stack.length - 1];
      if (parent?.keys) {
        const key = parent.keys[parent.index];
        if (FORBIDDEN_KEYS.has(key)) return `field name ${key} is not allowed`;
        parent.index += 1;
      } else if (parent) {
        parent.index += 1;
      }
      continue;
    }
    const key = frame.keys ? frame.keys[frame.index] : null;
    const child: unknown = key !== null ? (frame.value as Record<string, unknown>)[key] : (frame.value as unknown[])[frame.index];
    if (typeof child === 'object' && child !== null) {
      if (stack.length >= MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
      stack.push({ value: child, keys: Array.isArray(child) ? null : Object.keys(child), index: 0 });
      continue;
    }
    if (key !== null && FORBIDDEN_KEYS.has(key)) return `field name ${key} is not allowed`;
    frame.index += 1;
  }
  return null;
}
