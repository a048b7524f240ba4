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
