import { randomUUID } from 'node:crypto';
import { orderDecider, productDecider, type OrderEvent, type ProductEvent } from '@es/domain';
import { encodePosition, upcasters, type EventEnvelope } from '@es/event-store';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { ReadSideFixture } from './support/read-side.fixture';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * The event index (issue 10): its projector indexes every event of every context, the query API
 * serves an aggregate's history, its state at any version or time folded with the domain's own
 * evolve, and a request's causal trace.
 */
describe('event index: /streams and /correlations', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];
  let api: AppProcess;

  // Registered first: the saga's reservations below are versions 2 of sku-a and sku-b.
  const products = [log.productRegistered('sku-a'), log.productRegistered('sku-b')];
  // Order A: placed with the v1 schema (decimal prices) — the index must serve it upcast to v2.
  const orderId = randomUUID();
  const correlationId = randomUUID();
  const placedV1 = {
    ...log.event('orders', orderId, 'OrderPlaced', {
      orderId,
      customerId: 'c-1',
      lines: [
        { sku: 'sku-a', quantity: 2, unitPrice: 12.5 },
        { sku: 'sku-b', quantity: 1, unitPrice: 1.005 },
      ],
    }),
    schemaVersion: 1,
    correlationId,
  };
  // What the fulfillment saga writes for it: each step carries the correlation id and its cause's event id.
  const step = (e: EventEnvelope, cause: EventEnvelope): EventEnvelope => ({ ...e, correlationId, causationId: cause.eventId });
  const reservedA = step(log.event('inventory', 'sku-a', 'StockReserved', { sku: 'sku-a', orderId, quantity: 2 }), placedV1);
  const reservedB = step(log.event('inventory', 'sku-b', 'StockReserved', { sku: 'sku-b', orderId, quantity: 1 }), placedV1);
  const lineA = step(log.event('orders', orderId, 'OrderLineReserved', { orderId, sku: 'sku-a', quantity: 2 }), reservedA);
  const lineB = step(log.event('orders', orderId, 'OrderLineReserved', { orderId, sku: 'sku-b', quantity: 1 }), reservedB);
  const confirmed = step(log.orderConfirmed(orderId), lineB);
  const orderEvents = [placedV1, lineA, lineB, confirmed];
  // A long stream for pagination: 250 events of one product.
  const busy = 'sku-busy';
  const busyEvents = [log.productRegistered(busy), ...Array.from({ length: 249 }, (_, i) => log.stockReceived(busy, i + 1))];
  // A history longer than a fold's page (1,000) and a trace longer than its bound (5,000): every
  // event of this product carries one correlation id, as a client that sends one X-Correlation-Id
  // with every request makes it.
  const long = 'sku-long';
  const longTrace = randomUUID();
  const longEvents = [log.productRegistered(long), ...Array.from({ length: 5199 }, (_, i) => log.stockReceived(long, (i % 7) + 1))].map((e) => ({
    ...e,
    correlationId: longTrace,
  }));
  const foldProduct = (events: EventEnvelope[]) =>
    events.reduce((s, e) => productDecider.evolve(s, { type: e.type, data: e.payload } as ProductEvent), productDecider.initialState());

  beforeAll(async () => {
    await fx.setUp();
    await fx.appender.append([...products, placedV1, reservedA, reservedB, lineA, lineB, confirmed, ...busyEvents, ...longEvents]);
    apps.push(await startApp('event-index-projector', fx.env));
    api = await startApp('query-api', { ...fx.env, ADMIN_TOKEN, READ_YOUR_WRITES_TIMEOUT_MS: '10000' });
    apps.push(api);
    await waitFor(
      async () =>
        (await get(`/streams/inventory/${busy}/events?fromVersion=250`)).status === 200 &&
        (await get(`/streams/inventory/${long}/events?fromVersion=5200`)).status === 200 &&
        (await get(`/streams/orders/${orderId}/events`)).body.items?.length === 4,
      {
        what: 'the event index to catch up',
      },
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${api.url}${path}`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  }

  const upcast = (e: EventEnvelope) => upcasters.upcast(e.type, e.schemaVersion, e.payload);

  it('serves an aggregate`s history oldest first, with every envelope field and the v1 OrderPlaced upcast', async () => {
    const { status, body } = await get(`/streams/orders/${orderId}/events`);
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((e: any) => [e.version, e.type])).toEqual(orderEvents.map((e, i) => [i + 1, e.type]));
    const [placed, , , last] = body.items;
    expect(placed).toEqual({
      eventId: placedV1.eventId,
      context: 'orders',
      aggregateType: 'Order',
      aggregateId: orderId,
      version: 1,
      type: 'OrderPlaced',
      schemaVersion: 2,
      payload: {
        orderId,
        customerId: 'c-1',
        lines: [
          { sku: 'sku-a', quantity: 2, unitPriceCents: 1250 },
          { sku: 'sku-b', quantity: 1, unitPriceCents: 101 },
        ],
        totalCents: 2601,
      },
      occurredAt: placedV1.occurredAt,
      commandId: placedV1.commandId,
      correlationId,
      causationId: null,
      topic: `${fx.ns}.orders.events`,
      partition: expect.any(Number),
      offset: expect.stringMatching(/^\d+$/),
    });
    expect(last.causationId).toBe(lineB.eventId);
  });

  it('pages a 250-event stream by cursor without gaps or repeats, and starts at fromVersion', async () => {
    const versions: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await get(`/streams/inventory/${busy}/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      versions.push(...page.body.items.map((e: any) => e.version));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(versions).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const tail = await get(`/streams/inventory/${busy}/events?fromVersion=241`);
    expect(tail.body.items.map((e: any) => e.version)).toEqual(Array.from({ length: 10 }, (_, i) => 241 + i));
    expect((await get(`/streams/inventory/${busy}/events?fromVersion=251`)).body).toEqual({
      context: 'inventory',
      aggregateId: busy,
      items: [],
      nextCursor: null,
    });
  });

  it('answers the state at version N as the domain`s evolve over the first N events (upcast), for every N', async () => {
    for (let n = 1; n <= orderEvents.length; n++) {
      const expected = orderEvents
        .slice(0, n)
        .reduce((s, e) => orderDecider.evolve(s, { type: e.type, data: upcast(e).payload } as OrderEvent), orderDecider.initialState());
      const { status, body } = await get(`/streams/orders/${orderId}/state?version=${n}`);
      expect(status).toBe(200);
      expect(body).toEqual({
        context: 'orders',
        aggregateType: 'Order',
        aggregateId: orderId,
        version: n,
        occurredAt: orderEvents[n - 1].occurredAt,
        state: expected,
      });
      expect(body.state.version).toBe(n);
    }
    const latest = await get(`/streams/orders/${orderId}/state`);
    expect([latest.body.version, latest.body.state.status]).toEqual([4, 'CONFIRMED']);
    expect((await get(`/streams/inventory/${busy}/state?version=100`)).body.state).toEqual(foldProduct(busyEvents.slice(0, 100)));
  });

  it('folds a history longer than a page (5,200 events, read 1,000 at a time) exactly, at the page boundaries too', async () => {
    const latest = await get(`/streams/inventory/${long}/state`);
    expect([latest.status, latest.body.version, latest.body.occurredAt]).toEqual([200, 5200, longEvents[5199].occurredAt]);
    expect(latest.body.state).toEqual(foldProduct(longEvents));
    for (const n of [999, 1000, 1001, 2000, 5199]) {
      const { status, body } = await get(`/streams/inventory/${long}/state?version=${n}`);
      expect([status, body.version]).toEqual([200, n]);
      expect(body.state).toEqual(foldProduct(longEvents.slice(0, n)));
    }
    const past = await get(`/streams/inventory/${long}/state?version=5201`);
    expect([past.status, past.body.detail]).toEqual([404, `inventory aggregate ${long} has 5200 event(s), not 5201`]);
    const atTime = await get(`/streams/inventory/${long}/state?at=${encodeURIComponent(longEvents[2500].occurredAt)}`);
    expect(atTime.body.version).toBe(2501);
    expect(atTime.body.state).toEqual(foldProduct(longEvents.slice(0, 2501)));
  });

  it('lists at most 5,000 events of a trace and says it is truncated (anyone can put any number under one correlation id)', async () => {
    const { status, body } = await get(`/correlations/${longTrace}`);
    expect([status, body.truncated, body.events.length]).toEqual([200, true, 5000]);
    // Whatever subset was found, a stream's events come in version order.
    const versions = body.events.map((e: any) => e.version);
    expect(versions).toEqual([...versions].sort((a: number, b: number) => a - b));
  });

  it('answers the state at a time: after the last event at or before it', async () => {
    const atSecond = await get(`/streams/orders/${orderId}/state?at=${encodeURIComponent(lineA.occurredAt)}`);
    expect([atSecond.status, atSecond.body.version]).toEqual([200, 2]);
    const offset = new Date(Date.parse(lineA.occurredAt)).toISOString().replace('Z', '+00:00');
    expect((await get(`/streams/orders/${orderId}/state?at=${encodeURIComponent(offset)}`)).body.version).toBe(2);
    const before = await get(`/streams/orders/${orderId}/state?at=2000-01-01T00:00:00Z`);
    expect([before.status, before.type]).toEqual([404, expect.stringContaining('application/problem+json')]);
  });

  it('traces a correlation id across contexts in causal order, with the commands behind the events', async () => {
    const { status, body } = await get(`/correlations/${correlationId}`);
    expect(status).toBe(200);
    const ids = body.events.map((e: any) => e.eventId);
    expect(ids.sort()).toEqual([placedV1, reservedA, reservedB, lineA, lineB, confirmed].map((e) => e.eventId).sort());
    const order = body.events.map((e: any) => e.eventId);
    const at = (e: EventEnvelope) => order.indexOf(e.eventId);
    // Causes before effects; an aggregate's events in version order.
    expect(at(placedV1)).toBe(0);
    expect(at(reservedA)).toBeLessThan(at(lineA));
    expect(at(reservedB)).toBeLessThan(at(lineB));
    expect(at(lineA)).toBeLessThan(at(lineB));
    expect(at(lineB)).toBeLessThan(at(confirmed));
    expect(body.commands[0]).toEqual({
      commandId: placedV1.commandId,
      context: 'orders',
      aggregateType: 'Order',
      aggregateId: orderId,
      causationId: null,
      outcome: 'ACCEPTED',
      fromVersion: 1,
      toVersion: 1,
      eventTypes: ['OrderPlaced'],
    });
    expect(body.commands).toHaveLength(6);
    expect(body.truncated).toBe(false);
  });

  it('honours X-Min-Position: a read with the position of a new event includes it', async () => {
    const shipped = { ...log.orderShipped(orderId), correlationId };
    const [position] = await fx.appender.append([shipped]);
    const token = encodePosition({ context: 'orders', partition: position.partition, offset: position.offset });
    const { status, body } = await get(`/streams/orders/${orderId}/events?fromVersion=5`, { 'X-Min-Position': token });
    expect(status).toBe(200);
    expect(body.items.map((e: any) => e.type)).toEqual(['OrderShipped']);
    expect((await get(`/streams/orders/${orderId}/state`, { 'X-Min-Position': token })).body.state.status).toBe('SHIPPED');
  });

  it.each([
    ['/streams/orders/x/events?limit=0', 'limit'],
    ['/streams/orders/x/events?limit=1001', 'limit'],
    ['/streams/orders/x/events?fromVersion=0', 'fromVersion'],
    ['/streams/orders/x/events?fromVersion=-1', 'fromVersion'],
    ['/streams/orders/x/events?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['/streams/orders/x/events?from=1', 'from'],
    ['/streams/orders/x/events?limit=1&limit=2', 'limit'],
    ['/streams/orders/a%00b/events', 'aggregateId'],
    [`/streams/orders/${'x'.repeat(201)}/events`, 'aggregateId'],
    ['/streams/orders/x/state?version=abc', 'version'],
    ['/streams/orders/x/state?version=0', 'version'],
    ['/streams/orders/x/state?at=yesterday', 'at'],
    ['/streams/orders/x/state?at=2026-01-01', 'at'],
    ['/streams/orders/x/state?version=1&at=2026-01-01T00:00:00Z', 'at'],
    ['/correlations/a%00b', 'correlationId'],
    ['/correlations/x?deep=1', 'deep'],
    ['/rates?minutes=0', 'minutes'],
    ['/rates?minutes=61', 'minutes'],
    ['/rates?bucketSeconds=0', 'bucketSeconds'],
    ['/rates?window=5', 'window'],
  ])('rejects %s with 400 problem+json naming %s', async (path, field) => {
    const { status, type, body } = await get(path);
    expect(status).toBe(400);
    expect(type).toContain('application/problem+json');
    expect(body.errors.map((e: any) => e.field)).toContain(field);
  });

  it.each([
    ['an unknown context', '/streams/billing/x/events'],
    ['an aggregate without events', `/streams/orders/${randomUUID()}/events`],
    ['the state of an aggregate without events', `/streams/orders/${randomUUID()}/state`],
    ['a version the aggregate does not have', `/streams/inventory/${busy}/state?version=251`],
    ['an unknown correlation id', `/correlations/${randomUUID()}`],
  ])('answers 404 problem+json for %s', async (_what, path) => {
    const { status, type, body } = await get(path);
    expect([status, body.status]).toEqual([404, 404]);
    expect(type).toContain('application/problem+json');
  });

  it('answers the console`s rates: epoch-aligned buckets over the last minutes, counting the events that occurred in them', async () => {
    const { status, body } = await get('/rates?minutes=2&bucketSeconds=30');
    expect(status).toBe(200);
    expect(body.minutes).toBe(2);
    expect(body.bucketSeconds).toBe(30);
    expect(body.buckets.length).toBeGreaterThanOrEqual(4);
    for (const b of body.buckets) expect(Date.parse(b.at) % 30000).toBe(0);
    // This file's events occurred in January (the builder's clock): none in the last minutes.
    expect(body.buckets.every((b: any) => b.events === 0 && b.commands === 0)).toBe(true);
  });

  it('documents the endpoints in OpenAPI', async () => {
    const { body } = await get('/docs/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/streams/{context}/{aggregateId}/events', '/streams/{context}/{aggregateId}/state', '/correlations/{correlationId}', '/rates']),
    );
  });

  it('is a projection like the others: listed with its lag, rebuilt blue/green from offset 0', async () => {
    const listed = await waitFor(
      async () => {
        const r = await get('/projections');
        const index = r.body.filter((p: any) => p.name.startsWith('event-index-'));
        return index.length === 2 && index.every((p: any) => p.lag === 0 && p.status === 'RUNNING') && index;
      },
      { what: 'both event index projections RUNNING at lag 0' },
    );
    expect(listed.map((p: any) => p.name)).toEqual(['event-index-orders', 'event-index-inventory']);
    const before = (await get(`/streams/inventory/${busy}/events?limit=1000`)).body.items;
    const res = await fetch(`${api.url}/projections/event-index-inventory/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(202);
    await waitFor(async () => (await fx.activeVersion('event-index-inventory')) === 2, { what: 'the rebuilt index to become active', timeoutMs: 60000 });
    expect((await get(`/streams/inventory/${busy}/events?limit=1000`)).body.items).toEqual(before);
  });
});
