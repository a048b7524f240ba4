import { describe, expect, it } from '@jest/globals';
import { unstorableStringErrors, unstorableStringProblem } from './validation';

describe('the string rule: what the read side cannot store is refused', () => {
  it.each([
    ['a NUL character', 'a\u0000b'],
    ['a lone high surrogate', 'x\uD800'],
    ['a lone low surrogate', '\uDC00x'],
    ['two high surrogates in a row', '\uD83D\uD83D'],
  ])('refuses %s', (_what, value) => {
    expect(unstorableStringProblem(value)).toEqual(expect.any(String));
  });

  it.each([
    ['plain text', 'Espresso cup'],
    ['a surrogate pair (emoji)', 'cup \uD83D\uDE00'],
    ['other control characters, which PostgreSQL stores', 'tab\there\nnew line \u0001 \u007F'],
    ['the empty string', ''],
  ])('accepts %s', (_what, value) => {
    expect(unstorableStringProblem(value)).toBeUndefined();
  });

  it('names every offending field with its path, keys included', () => {
    const errors = unstorableStringErrors({
      customerId: 'a\u0000b',
      lines: [{ sku: 'ok' }, { sku: '\uD800' }],
      nested: { 'bad\u0000key': 1 },
    });
    expect(errors.map((e) => e.field)).toEqual(['customerId', 'lines[1].sku', 'nested.bad\u0000key']);
  });

  it('walks a deeply nested value without overflowing the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableStringErrors(deep)).toHaveLength(1);
  });

  it('prefixes the root path', () => {
    expect(unstorableStringErrors({ correlationId: '\u0000' }, 'metadata')).toEqual([{ field: 'metadata.correlationId', message: expect.any(String) }]);
  });
});
