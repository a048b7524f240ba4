import { ValidationError } from '@es/domain';
import { parseCommandHeaders } from './command-headers';

const parse = (headers: Record<string, string | string[] | undefined>) => parseCommandHeaders(headers, 'corr-1');

function fieldErrorsOf(fn: () => unknown): ValidationError['errors'] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('command headers', () => {
  it('carries the correlation id and nothing else when no header is sent', () => {
    expect(parse({})).toEqual({ correlationId: 'corr-1' });
  });

  it.each([
    ['a bare version', '3', 3],
    ['a quoted version', '"3"', 3],
    ['a weak entity tag', 'W/"3"', 3],
    ['version 0 (the aggregate must not exist yet)', '0', 0],
    ['a large version', '123456789012345', 123456789012345],
  ])('reads If-Match as the expected version from %s', (_what, header, expected) => {
    expect(parse({ 'if-match': header }).expectedVersion).toBe(expected);
  });

  it.each([
    ['an empty value', ''],
    ['a wildcard', '*'],
    ['a negative number', '-1'],
    ['a decimal', '1.5'],
    ['a non-numeric entity tag', '"abc"'],
    ['a list of entity tags', '"1", "2"'],
    ['an unterminated quote', '"3'],
    ['a lowercase weak prefix', 'w/"3"'],
    ['a number beyond 15 digits', '1234567890123456'],
    ['a repeated header', ['1', '2']],
  ])('refuses If-Match with %s as a validation error on If-Match', (_what, header) => {
    expect(fieldErrorsOf(() => parse({ 'if-match': header }))).toEqual([{ field: 'If-Match', message: expect.any(String) }]);
  });

  it.each([
    ['one character', 'a'],
    ['200 characters', 'k'.repeat(200)],
    ['spaces and punctuation', 'order 42 / retry #1'],
  ])('accepts an Idempotency-Key of %s', (_what, key) => {
    expect(parse({ 'idempotency-key': key }).idempotencyKey).toBe(key);
  });

  it.each([
    ['an empty value', ''],
    ['201 characters', 'k'.repeat(201)],
    ['a control character', 'abc\u0001'],
    ['a non-ASCII character', 'clé'],
  ])('refuses an Idempotency-Key of %s as a validation error on Idempotency-Key', (_what, key) => {
    expect(fieldErrorsOf(() => parse({ 'idempotency-key': key }))).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });

  it('reports both headers when both are bad', () => {
    expect(fieldErrorsOf(() => parse({ 'idempotency-key': '', 'if-match': 'x' })).map((e) => e.field)).toEqual(['Idempotency-Key', 'If-Match']);
  });
});
