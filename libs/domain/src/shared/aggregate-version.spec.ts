import { describe, expect, it } from '@jest/globals';
import { testMetadata } from '../testing/command.fixtures';
import { assertExpectedVersion } from './aggregate-version';
import { ConcurrencyError } from './errors';

describe('assertExpectedVersion', () => {
  it('accepts any version when no expected version is given', () => {
    expect(() => assertExpectedVersion(testMetadata(), { version: 12 })).not.toThrow();
  });

  it('accepts the version the aggregate is at', () => {
    expect(() => assertExpectedVersion(testMetadata({ expectedVersion: 12 }), { version: 12 })).not.toThrow();
  });

  it('accepts 0 for an aggregate that does not exist yet', () => {
    expect(() => assertExpectedVersion(testMetadata({ expectedVersion: 0 }), { version: 0 })).not.toThrow();
  });

  it('throws a ConcurrencyError carrying both versions on a mismatch', () => {
    let thrown: unknown;
    try {
      assertExpectedVersion(testMetadata({ expectedVersion: 11 }), { version: 12 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConcurrencyError);
    expect(thrown).toMatchObject({
      code: 'CONCURRENCY',
      expectedVersion: 11,
      actualVersion: 12,
      details: { expectedVersion: 11, actualVersion: 12 },
    });
  });
});
