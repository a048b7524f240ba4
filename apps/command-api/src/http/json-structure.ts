import type { FieldError } from '@es/domain';

/** Deeper than any command needs (an order line is at depth 3), far below what overflows a recursion. */
export const MAX_BODY_DEPTH = 32;

// Keys that name Object.prototype machinery: class-transformer and spread copies give them meaning
// (prototype pollution), so they are refused like any other unknown field, wherever they appear.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Shape problems of a parsed JSON body that must be found before anything recursive touches it: a
 * nesting depth beyond MAX_BODY_DEPTH (reported once, on `body`) and forbidden keys (by path).
 * Iterative, so the check itself cannot overflow.
 */
export function jsonStructureErrors(value: unknown, maxDepth = MAX_BODY_DEPTH): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return [{ field: 'body', message: `nests more than ${maxDepth} levels of objects and arrays` }];
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const field = path === '' ? keys[i] : `${path}.${keys[i]}`;
      if (FORBIDDEN_KEYS.has(keys[i])) errors.push({ field, message: 'is not an allowed field' });
      else stack.push({ value: (current as Record<string, unknown>)[keys[i]], path: field, depth: depth + 1 });
    }
  }
  return errors;
}
