/**
 * The query API against hostile input (issue 8): strings PostgreSQL refuses in path segments, query
 * values and cursors are 400 naming the parameter (they were 500); position tokens naming a
 * partition or offset the event topic does not have are 400 at once (they waited 5 s); and the
 * read-your-writes waiters are capped (503 + Retry-After at once beyond the cap).
 *
 * Only the orders projector runs: inventory positions exist in the topic but are never applied,
 * which makes waits deterministic.
 */
import { randomUUID } from 'node:crypto';
import { encodePosition } from '@es/event-store';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { ReadSideFixture } from './support/read-side.fixture';

const TIMEOUT_MS = 2000;
const MAX_WAITERS = 5;

describe('query API against hostile input', () => {
  const fx = new ReadSideFixture(randomNamespace('qh'));
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];
  let api: AppProcess;
  let inventoryPosition: string;

  beforeAll(async () => {
    await fx.setUp();
    await fx.appender.append(Array.from({ length: 6 }, (_, i) => log.orderPlaced(randomUUID(), `c-${i}`, [{ sku: 'A', quantity: 1, unitPriceCents: 5 }])));
    const [stock] = await fx.appender.append([log.productRegistered('never-projected')]);
    inventoryPosition = encodePosition(stock);
    apps.push(await startApp('orders-projector', fx.env));
    api = await startApp('query-api', { ...fx.env, READ_YOUR_WRITES_TIMEOUT_MS: String(TIMEOUT_MS), READ_YOUR_WRITES_MAX_WAITERS: String(MAX_WAITERS) });
    apps.push(api);
    await waitFor(async () => Object.keys(await fx.orders(1)).length === 6, { what: 'the orders projection to catch up' });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const started = Date.now();
    const res = await fetch(`${api.url}${path}`, { headers });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as any,
      ms: Date.now() - started,
    };
  };

  const nulCursor = Buffer.from(JSON.stringify({ v: 1, c: '2026-01-01T00:00:00.000Z\u0000', o: 'x' })).toString('base64url');

  it.each([
    ['a NUL in the order id path segment', '/orders/a%00b', 'orderId'],
    ['a NUL in the sku path segment', '/products/sku%00', 'sku'],
    ['a NUL in the customerId filter', '/orders?customerId=a%00b', 'customerId'],
    ['a NUL inside a crafted cursor', `/orders?cursor=${nulCursor}`, 'cursor'],
    ['a NUL in a query parameter name', '/orders?a%00=1', 'a\u0000'],
  ])('answers %s with 400 problem+json naming the parameter', async (_what, path, field) => {
    const { status, type, body } = await get(path);
    expect([status, type]).toEqual([400, expect.stringContaining('application/problem+json')]);
    expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each([
    ['a path segment that is not valid percent-encoding', '/orders/%E0%A4%A'],
    ['a path segment that decodes to invalid UTF-8', '/products/%FF%FE'],
  ])('answers %s with 400 problem+json', async (_what, path) => {
    const { status, type } = await get(path);
    expect([status, type]).toEqual([400, expect.stringContaining('application/problem+json')]);
  });

  it.each([
    ['a partition the orders topic does not have', encodePosition({ context: 'orders', partition: 7, offset: '0' })],
    ['an offset beyond the end of its partition', encodePosition({ context: 'orders', partition: 0, offset: '999999999' })],
    ['an offset beyond the end of an inventory partition', encodePosition({ context: 'inventory', partition: 2, offset: '5000' })],
  ])('refuses an X-Min-Position naming %s with 400 at once', async (_what, token) => {
    const { status, type, body, ms } = await get('/orders?limit=1', { 'X-Min-Position': token });
    expect([status, type]).toEqual([400, expect.stringContaining('application/problem+json')]);
    expect(body.errors).toEqual([{ field: 'X-Min-Position', message: expect.any(String) }]);
    expect(ms).toBeLessThan(1000);
  });

  it('waits for an existing position that is not applied, then answers 503 with Retry-After', async () => {
    const { status, retryAfter, type, ms } = await get('/products?limit=1', { 'X-Min-Position': inventoryPosition });
    expect([status, retryAfter, type]).toEqual([503, '1', expect.stringContaining('application/problem+json')]);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  });

  it(`holds at most ${MAX_WAITERS} read-your-writes waiters; the others get 503 with Retry-After at once`, async () => {
    const answers = await Promise.all(Array.from({ length: MAX_WAITERS + 3 }, () => get('/products?limit=1', { 'X-Min-Position': inventoryPosition })));
    const refusedAtOnce = answers.filter((a) => a.ms < TIMEOUT_MS / 2);
    const waited = answers.filter((a) => a.ms >= TIMEOUT_MS - 100);

    expect({ refusedAtOnce: refusedAtOnce.length, waited: waited.length }).toEqual({ refusedAtOnce: 3, waited: MAX_WAITERS });
    expect(answers.every((a) => a.status === 503 && a.retryAfter === '1')).toBe(true);
    expect(refusedAtOnce[0].body).toMatchObject({ status: 503, detail: expect.stringContaining('waiting') });
  });

  it('still serves a position written after the cached end offsets were taken', async () => {
    // Warm the end-offset cache with a position that exists (partition 0 may hold no event yet: offset
    // 0 there is rightly refused), then write: the new positions are past the cached end.
    const [existing] = await fx.appender.append([log.orderPlaced(randomUUID(), 'warm', [{ sku: 'A', quantity: 1, unitPriceCents: 5 }])]);
    expect((await get('/orders?limit=1', { 'X-Min-Position': encodePosition(existing) })).status).not.toBe(400);
    for (let i = 0; i < 5; i++) {
      const orderId = randomUUID();
      const [position] = await fx.appender.append([log.orderPlaced(orderId, 'fresh', [{ sku: 'A', quantity: 1, unitPriceCents: 5 }])]);
      const { status, body } = await get(`/orders/${orderId}`, { 'X-Min-Position': encodePosition(position) });
      expect([status, body.orderId]).toEqual([200, orderId]);
    }
  });
});
