import { randomUUID } from 'node:crypto';
import { commandFingerprint } from './command-envelope';
import { OutcomeIndex } from './outcome-index';

describe('OutcomeIndex', () => {
  const HOUR = 3_600_000;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const fp = (n: number) => commandFingerprint('ReceiveStock', 'A', { n });

  it('given outcomes of many ids, finds each with its fingerprint, version and offset, and nothing else', () => {
    const index = new OutcomeIndex(24 * HOUR);
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 2 ? randomUUID() : `order-${i}:reserve:SKU`));
    ids.forEach((id, i) => index.remember({ commandId: id, fingerprint: fp(i), version: i, offset: i % 7 ? i * 10 : null }, t0 + i * 1000));

    expect(index.size).toBe(5000);
    ids.forEach((id, i) => expect(index.lookup(id, fp(i))).toEqual({ sameFingerprint: true, version: i, offset: i % 7 ? i * 10 : null }));
    expect(index.lookup(ids[3], fp(4))).toMatchObject({ sameFingerprint: false });
    expect(index.lookup(randomUUID(), fp(1))).toBeUndefined();
  });

  it('keeps an outcome at least the window, drops whole buckets after it', () => {
    const index = new OutcomeIndex(24 * HOUR);
    index.remember({ commandId: 'a', fingerprint: fp(1), version: 1, offset: 1 }, t0);

    expect(index.expire(t0 + 24 * HOUR)).toEqual([]);
    expect(index.lookup('a', fp(1))).toBeDefined();
    expect(index.expire(t0 + 25 * HOUR)).toEqual([t0]);
    expect(index.lookup('a', fp(1))).toBeUndefined();
  });

  it('seals past buckets into snapshot chunks that load back to the same answers', () => {
    const index = new OutcomeIndex(24 * HOUR);
    const ids = Array.from({ length: 2500 }, () => randomUUID());
    ids.forEach((id, i) => index.remember({ commandId: id, fingerprint: i % 5 ? fp(i) : '', version: i + 1, offset: i % 3 ? i : null }, t0 + (i % 2) * HOUR));

    expect(index.unsealed(t0 + HOUR)).toEqual([t0]);
    const chunks = index.seal(t0, 1000);
    expect(chunks.map((c) => c.length / 36)).toEqual([1000, 250]);
    expect(index.unsealed(t0 + 2 * HOUR)).toEqual([t0 + HOUR]);

    const restored = new OutcomeIndex(24 * HOUR);
    chunks.forEach((c) => restored.load(t0, c));
    ids.forEach((id, i) => {
      if (i % 2 === 0) expect(restored.lookup(id, fp(i))).toEqual({ sameFingerprint: true, version: i + 1, offset: i % 3 ? i : null });
    });
    expect(restored.unsealed(t0 + 2 * HOUR)).toEqual([]);
  });
});
