import { ValidationError } from '@es/domain';
import { decodeCursor, encodeCursor, QueryParams } from './query-params';

describe('query parameters of the read endpoints', () => {
  it('reads valid parameters and applies defaults', () => {
    const params = new QueryParams({ status: 'PENDING' }, ['status', 'limit']);
    expect(params.oneOf('status', ['PENDING', 'CONFIRMED'])).toBe('PENDING');
    expect(params.int('limit', 20, 1, 100)).toBe(20);
    expect(() => params.done()).not.toThrow();
  });

  it('reports every problem at once: unknown, repeated, out of range', () => {
    const params = new QueryParams({ foo: '1', limit: '0', status: ['A', 'B'] }, ['status', 'limit']);
    params.int('limit', 20, 1, 100);
    params.oneOf('status', ['PENDING']);
    try {
      params.done();
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors.map((e) => e.field).sort()).toEqual(['foo', 'limit', 'status']);
    }
  });

  it('round-trips a cursor it issued and refuses anything else', () => {
    const cursor = encodeCursor({ c: '2026-01-01 00:00:00.001+00', o: 'abc' });
    expect(decodeCursor(cursor, ['c', 'o'])).toMatchObject({ c: '2026-01-01 00:00:00.001+00', o: 'abc' });
    expect(decodeCursor(cursor, ['s'])).toBeUndefined();
    expect(decodeCursor('not a cursor', ['c', 'o'])).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"v":2}').toString('base64url'), ['c'])).toBeUndefined();
  });
});
