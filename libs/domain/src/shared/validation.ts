import { ValidationError, type FieldError } from './errors';

/**
 * The HTTP layer validates first; these checks are defence in depth for commands that reach a
 * decider by another road (a replayed or hand-written command on the topic, the fulfillment process).
 * Safe integers only: beyond 2^53 arithmetic on stock and money silently loses units.
 */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function throwIfAny(errors: readonly FieldError[]): void {
  if (errors.length > 0) {
    throw new ValidationError(errors);
  }
}

export function requirePositiveQuantity(quantity: unknown, field = 'quantity'): void {
  if (!isPositiveInteger(quantity)) {
    throw new ValidationError([{ field, message: 'must be a positive integer' }]);
  }
}

/** Own-key lookup: aggregate maps are keyed by ids and must not see `constructor` or `__proto__`. */
export function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

// Without the `u` flag the pattern sees UTF-16 code units: a high surrogate not followed by a low
// one, or a low one not preceded by a high one. (String#isWellFormed is ES2024; our lib is ES2022.)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored, or undefined when it can. The read models keep every string in
 * PostgreSQL `text`/`jsonb`, which cannot hold U+0000; an unpaired UTF-16 surrogate has no UTF-8
 * encoding, so it would be silently replaced (U+FFFD) on its way to Kafka and PostgreSQL. Either
 * would be acknowledged, then stop the projection that meets it. Other control characters are
 * stored and echoed (JSON-escaped) faithfully, so they stay allowed: refusing them would narrow the
 * contract for no storage reason.
 */
export function unstorableStringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * Every string (values and keys) anywhere in `value` that the read side cannot store, as field errors
 * with paths in the HTTP notation (`lines[1].sku`). Generic on purpose: a new command or field is
 * covered without anyone remembering to add a rule. Iterative, so a deeply nested record from the
 * wire cannot overflow the stack.
 */
export function unstorableStringErrors(value: unknown, root = ''): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableStringProblem(current);
      if (problem) errors.push({ field: path === '' ? 'value' : path, message: problem });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path}[${i}]` });
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        const field = path === '' ? key : `${path}.${key}`;
        const keyProblem = unstorableStringProblem(key);
        if (keyProblem) errors.push({ field, message: `is not an allowed field name: it ${keyProblem}` });
        else stack.push({ value: (current as Record<string, unknown>)[key], path: field });
      }
    }
  }
  return errors;
}

/**
 * Defence in depth for every decider: a command that reached the topic without the HTTP gate (a
 * hand-written record, a replay) must not carry an unstorable string into an event.
 */
export function assertStorableStrings(command: { readonly data: unknown; readonly metadata?: unknown }): void {
  throwIfAny([...unstorableStringErrors(command.data), ...unstorableStringErrors(command.metadata, 'metadata')]);
}
