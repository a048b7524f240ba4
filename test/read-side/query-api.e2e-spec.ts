import { randomUUID } from 'node:crypto';
import { encodePosition } from '@es/event-store';
import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';
import { EventLogBuilder } from './support/event-log.builder';
import { orderWorkload } from './support/order-workload';
import { expectedOrders, expectedProducts, ReadSideFixture } from './support/read-side.fixture';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

describe('query API over the projected read models', () => {
  const fx = new ReadSideFixture(randomNamespace());
  const log = new EventLogBuilder();
  const apps: AppProcess[] = [];
  let api: AppProcess;
  const events = orderWorkload(log, 60, 4);

  beforeAll(async () => {
    await fx.setUp();
    for (let i = 0; i < 25; i++) {
      const sku = `sku-${String(i).padStart(2, '0')}`;
      events.push(log.productRegistered(sku), log.stockReceived(sku, 100 + i), log.stockReserved(sku, randomUUID(), i));
    }
    await fx.appender.append(events);
    apps.push(await startApp('orders-projector', fx.env), await startApp('inventory-projector', fx.env));
    api = await startApp('query-api', { ...fx.env, ADMIN_TOKEN, READ_YOUR_WRITES_TIMEOUT_MS: '1500' });
    apps.push(api);
    await waitFor(async () => Object.keys(await fx.orders(1)).length === 60 && Object.keys(await fx.products(1)).length === 25, {
      what: 'the projections to catch up',
    });
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await fx.tearDown();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${api.url}${path}`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  };

  it('answers GET /orders/{id} with exactly the contract fields', async () => {
    const [orderId, expected] = Object.entries(expectedOrders(events))[0] as [string, any];
    const { status, body } = await get(`/orders/${orderId}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      orderId,
      customerId: expected.customerId,
      status: expected.status,
      lines: expected.lines,
      totalCents: expected.totalCents,
      version: expected.version,
      rejectionReason: expected.rejectionReason,
      createdAt: expected.createdAt,
      updatedAt: expected.updatedAt,
    });
  });

  it('answers 404 problem+json for an unknown order or product', async () => {
    const order = await get(`/orders/${randomUUID()}`);
    const product = await get('/products/nope');
    expect([order.status, order.type, order.body.status]).toEqual([404, expect.stringContaining('application/problem+json'), 404]);
    expect(product.status).toBe(404);
  });

  it('pages through one customer`s orders with a cursor, oldest first, without gaps or repeats', async () => {
    const expected = Object.entries(expectedOrders(events))
      .filter(([, o]: [string, any]) => o.customerId === 'customer-1')
      .sort(([a, x]: [string, any], [b, y]: [string, any]) => x.createdAt.localeCompare(y.createdAt) || a.localeCompare(b))
      .map(([id]) => id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`/orders?customerId=customer-1&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((o: any) => o.orderId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it('filters orders by status and defaults to 20 per page', async () => {
    const rejected = Object.values(expectedOrders(events)).filter((o: any) => o.status === 'REJECTED').length;
    const { body } = await get('/orders?status=REJECTED&limit=100');
    const all = await get('/orders');
    expect(body.items).toHaveLength(rejected);
    expect(body.items.every((o: any) => o.status === 'REJECTED')).toBe(true);
    expect(all.body.items).toHaveLength(20);
    expect(typeof all.body.nextCursor).toBe('string');
  });

  it('serves product stock and pages products by sku', async () => {
    const expected = expectedProducts(events) as Record<string, any>;
    const one = await get('/products/sku-07');
    expect(one.body).toEqual({ sku: 'sku-07', ...expected['sku-07'] });
    const first = await get('/products?limit=10');
    const second = await get(`/products?limit=10&cursor=${first.body.nextCursor}`);
    const third = await get(`/products?limit=10&cursor=${second.body.nextCursor}`);
    const skus = [...first.body.items, ...second.body.items, ...third.body.items].map((p: any) => p.sku);
    expect(skus).toEqual(Object.keys(expected).sort());
    expect(third.body.nextCursor).toBeNull();
  });

  it.each([
    ['/orders?limit=0', 'limit'],
    ['/orders?limit=101', 'limit'],
    ['/orders?limit=ten', 'limit'],
    ['/orders?status=LOST', 'status'],
    ['/orders?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['/orders?customerid=x', 'customerid'],
    ['/orders?limit=1&limit=2', 'limit'],
    ['/products?page=2', 'page'],
    ['/projections?verbose=1', 'verbose'],
  ])('rejects %s with 400 problem+json naming %s', async (path, field) => {
    const { status, type, body } = await get(path);
    expect(status).toBe(400);
    expect(type).toContain('application/problem+json');
    expect(body).toMatchObject({ status: 400, title: expect.any(String), detail: expect.any(String) });
    expect(body.errors.map((e: any) => e.field)).toContain(field);
  });

  it('rejects a malformed X-Min-Position with 400', async () => {
    const { status, body } = await get('/products', { 'X-Min-Position': 'garbage!' });
    expect(status).toBe(400);
    expect(body.errors[0].field).toBe('X-Min-Position');
  });

  it('finds the effect of every write whose position is passed as X-Min-Position', async () => {
    for (let i = 0; i < 15; i++) {
      const orderId = randomUUID();
      const [position] = await fx.appender.append([log.orderPlaced(orderId, 'ryw', [{ sku: 'a', quantity: 1, unitPriceCents: 5 }])]);
      const { status, body } = await get(`/orders/${orderId}`, { 'X-Min-Position': encodePosition(position) });
      expect([status, body.orderId]).toEqual([200, orderId]);
      const sku = `ryw-${i}`;
      const [stock] = await fx.appender.append([log.productRegistered(sku)]);
      const product = await get(`/products/${sku}`, { 'X-Min-Position': encodePosition(stock) });
      expect(product.status).toBe(200);
    }
  });

  // Issue 8: this token names an offset the topic does not have, so it can never be applied; it was
  // waited for (503 after the timeout) and is now refused at once. The 503 for a position that exists
  // but is not applied in time is in query-api-hostile.e2e-spec.ts (there a projector is absent).
  it('answers 400 at once for a position beyond the end of its partition', async () => {
    const token = encodePosition({ context: 'orders', partition: 0, offset: '999999999' });
    const started = Date.now();
    const { status, type, body } = await get('/orders?limit=1', { 'X-Min-Position': token });
    expect([status, type, body.errors[0].field]).toEqual([400, expect.stringContaining('application/problem+json'), 'X-Min-Position']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports every projection with per-partition checkpoint, end offset and lag', async () => {
    await waitFor(async () => (await get('/projections')).body.every((p: any) => p.lag === 0), { what: 'lag 0' });
    const { status, body } = await get('/projections');
    expect(status).toBe(200);
    expect(body.map((p: any) => p.name)).toEqual(['orders', 'inventory']);
    for (const p of body) {
      expect(p).toEqual({ name: p.name, activeVersion: 1, status: 'RUNNING', lag: 0, partitions: expect.any(Array), rebuild: null, deadLetters: [] });
      expect(p.partitions).toHaveLength(3);
      for (const part of p.partitions) expect(Object.keys(part).sort()).toEqual(['checkpoint', 'endOffset', 'lag', 'partition', 'topic']);
    }
  });

  it('documents the query endpoints in OpenAPI at /docs', async () => {
    const { status, body } = await get('/docs/openapi.json');
    expect(status).toBe(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/orders/{orderId}', '/orders', '/products/{sku}', '/products', '/projections', '/projections/{name}/rebuild']),
    );
  });

  it('guards POST /projections/{name}/rebuild with the admin token and allows one rebuild at a time', async () => {
    const post = (name: string, token?: string) =>
      fetch(`${api.url}/projections/${name}/rebuild`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await post('inventory')).status).toBe(401);
    expect((await post('inventory', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await post('nope', ADMIN_TOKEN)).status).toBe(404);
    const before = await fx.products(1);
    const accepted = await post('inventory', ADMIN_TOKEN);
    expect([accepted.status, await accepted.json()]).toEqual([202, { name: 'inventory', targetVersion: 2 }]);
    expect((await post('inventory', ADMIN_TOKEN)).status).toBe(409);
    await waitFor(async () => (await fx.activeVersion('inventory')) === 2, { timeoutMs: 30000, what: 'the rebuild to finish' });
    expect(await fx.products(2)).toEqual(before);
  });
});
