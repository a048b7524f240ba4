import { describe, expect, it } from '@jest/globals';
import {
  ConcurrencyError,
  ConflictError,
  DomainError,
  fromErrorPayload,
  isDomainError,
  isErrorPayload,
  NotFoundError,
  toErrorPayload,
  UnknownEventTypeError,
  ValidationError,
  type ErrorPayload,
} from './errors';

describe('domain errors', () => {
  const samples: [string, DomainError][] = [
    ['NotFoundError', new NotFoundError('order o-1 does not exist', { orderId: 'o-1' })],
    ['ConflictError', new ConflictError('cannot ship an order that is PENDING', { status: 'PENDING' })],
    ['ValidationError', new ValidationError([{ field: 'lines[1].sku', message: 'duplicates lines[0].sku (A)' }])],
    ['ConcurrencyError', new ConcurrencyError(3, 5)],
    ['UnknownEventTypeError', new UnknownEventTypeError('OrderTeleported', 4)],
  ];

  it.each(samples)('names %s after its class and is an Error and a DomainError', (name, error) => {
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(DomainError);
    expect(isDomainError(error)).toBe(true);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  it.each(samples)('survives a trip through JSON as the same %s', (_name, error) => {
    const wire: unknown = JSON.parse(JSON.stringify(toErrorPayload(error)));
    expect(isErrorPayload(wire)).toBe(true);
    const back = fromErrorPayload(wire as ErrorPayload);
    expect(back).toBeInstanceOf(error.constructor);
    expect(back.name).toBe(error.name);
    expect(back.code).toBe(error.code);
    expect(back.message).toBe(error.message);
    expect(toErrorPayload(back)).toEqual(toErrorPayload(error));
  });

  it('serialises to its payload with JSON.stringify', () => {
    const error = new ConflictError('product SKU-1 is already registered', { sku: 'SKU-1' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'CONFLICT',
      message: 'product SKU-1 is already registered',
      details: { sku: 'SKU-1' },
    });
  });

  it('always gives the payload a details object', () => {
    expect(toErrorPayload(new NotFoundError('missing'))).toEqual({ code: 'NOT_FOUND', message: 'missing', details: {} });
  });

  it('keeps the specific fields of each subclass across the round trip', () => {
    const validation = fromErrorPayload(toErrorPayload(new ValidationError([{ field: 'quantity', message: 'm' }])));
    expect(validation).toBeInstanceOf(ValidationError);
    expect((validation as ValidationError).errors).toEqual([{ field: 'quantity', message: 'm' }]);

    const concurrency = fromErrorPayload(toErrorPayload(new ConcurrencyError(1, 2)));
    expect(concurrency).toMatchObject({ expectedVersion: 1, actualVersion: 2 });

    const unknown = fromErrorPayload(toErrorPayload(new UnknownEventTypeError('X', 9)));
    expect(unknown).toMatchObject({ eventType: 'X', schemaVersion: 9 });
  });

  it('describes every field error in the default validation message', () => {
    const error = new ValidationError([
      { field: 'lines[0].quantity', message: 'must be a positive integer' },
      { field: 'customerId', message: 'must be a non-empty string' },
    ]);
    expect(error.message).toBe('validation failed: lines[0].quantity: must be a positive integer; customerId: must be a non-empty string');
  });

  it('tolerates malformed details from the wire instead of throwing', () => {
    const validation = fromErrorPayload({ code: 'VALIDATION', message: 'bad', details: { errors: [1, { field: 'a' }] } });
    expect((validation as ValidationError).errors).toEqual([]);
    expect(validation.message).toBe('bad');
  });

  it('refuses a payload with a code it does not know', () => {
    expect(isErrorPayload({ code: 'TEAPOT', message: 'x', details: {} })).toBe(false);
    expect(() => fromErrorPayload({ code: 'TEAPOT', message: 'x', details: {} } as unknown as ErrorPayload)).toThrow(TypeError);
  });

  it.each([null, 'CONFLICT', { code: 'CONFLICT' }, { code: 'CONFLICT', message: 1 }])('does not take %p for a payload', (value) => {
    expect(isErrorPayload(value)).toBe(false);
  });
});
