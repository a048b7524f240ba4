import { AppProcess, randomNamespace, startApp, waitFor } from '@es/testing';

/**
 * The whole system as a client sees it: the six deployables on the real broker and database,
 * driven only through the two HTTP APIs.
 */
describe('an order placed through the command API', () => {
  const ns = randomNamespace('sys');
  const env = { ES_NAMESPACE: ns, TOPIC_PARTITIONS: '3', ADMIN_TOKEN: 'system-test-admin-token' };
  const apps: Record<string, AppProcess> = {};
  const command = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${apps['command-api'].url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const query = async (path: string, position?: string) => {
    const res = await fetch(`${apps['query-api'].url}${path}`, { headers: position ? { 'X-Min-Position': position } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const orderStatus = (orderId: string, status: string) =>
    waitFor(
      async () => {
        const r = await query(`/orders/${orderId}`);
        return r.status === 200 && r.body.status === status && r.body;
      },
      { what: `order ${orderId} to be ${status}`, timeoutMs: 30000 },
    );

  beforeAll(async () => {
    for (const app of ['command-processor', 'fulfillment-saga', 'orders-projector', 'inventory-projector', 'query-api', 'command-api']) {
      apps[app] = await startApp(app, env);
    }
  });

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((a) => a.stop()));
  });

  it('is visible at once with its position, confirmed by the fulfillment process, and reserves the stock', async () => {
    expect((await command('/products', { sku: 'SYS-1', name: 'System anvil' })).status).toBe(201);
    expect((await command('/products/SYS-1/stock', { quantity: 10 })).status).toBe(200);

    const placed = await command(
      '/orders',
      { customerId: 'c-sys', lines: [{ sku: 'SYS-1', quantity: 4, unitPriceCents: 250 }] },
      { 'Idempotency-Key': `${ns}-order-1` },
    );
    const seen = await query(`/orders/${placed.body.orderId}`, placed.body.position);
    const confirmed = await orderStatus(placed.body.orderId, 'CONFIRMED');
    const product = await waitFor(
      async () => {
        const r = await query('/products/SYS-1');
        return r.body.reserved === 4 && r.body;
      },
      { what: 'the reservation to reach the product read model' },
    );

    expect(placed).toMatchObject({ status: 201, body: { status: 'PENDING', version: 1 } });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ orderId: placed.body.orderId, customerId: 'c-sys', totalCents: 1000 });
    expect(confirmed.lines).toEqual([{ sku: 'SYS-1', quantity: 4, unitPriceCents: 250 }]);
    expect(product).toMatchObject({ onHand: 10, reserved: 4, available: 6 });
  });

  it('answers a retried POST with the first response and places one order', async () => {
    const body = { customerId: 'c-retry', lines: [{ sku: 'SYS-1', quantity: 1, unitPriceCents: 250 }] };
    const first = await command('/orders', body, { 'Idempotency-Key': `${ns}-retry` });
    const again = await command('/orders', body, { 'Idempotency-Key': `${ns}-retry` });
    const reused = await command('/orders', { ...body, customerId: 'someone-else' }, { 'Idempotency-Key': `${ns}-retry` });
    const list = await query('/orders?customerId=c-retry', first.body.position);

    expect(again).toEqual(first);
    expect(reused.status).toBe(422);
    expect(list.body.items).toHaveLength(1);
  });

  it('ships a confirmed order, committing its stock, and releases the stock of a cancelled one', async () => {
    const toShip = await command('/orders', { customerId: 'c-life', lines: [{ sku: 'SYS-1', quantity: 2, unitPriceCents: 250 }] });
    const toCancel = await command('/orders', { customerId: 'c-life', lines: [{ sku: 'SYS-1', quantity: 3, unitPriceCents: 250 }] });
    await orderStatus(toShip.body.orderId, 'CONFIRMED');
    await orderStatus(toCancel.body.orderId, 'CONFIRMED');

    const shipped = await command(`/orders/${toShip.body.orderId}/ship`, {});
    const cancelled = await command(`/orders/${toCancel.body.orderId}/cancel`, { reason: 'changed my mind' });
    const afterShip = await query(`/orders/${toShip.body.orderId}`, shipped.body.position);
    const shipAgain = await command(`/orders/${toShip.body.orderId}/cancel`, {});
    const product = await waitFor(
      async () => {
        const r = await query('/products/SYS-1');
        // 4 (first test) + 1 (retry test) stay reserved; 2 shipped; 3 released.
        return r.body.reserved === 5 && r.body.onHand === 8 && r.body;
      },
      { what: 'commit and release to reach the product read model' },
    );

    expect(shipped.status).toBe(200);
    expect(cancelled.status).toBe(200);
    expect(afterShip.body.status).toBe('SHIPPED');
    expect(shipAgain.status).toBe(409);
    expect(product.available).toBe(3);
  });

  it('rejects the orders it cannot fill and never lets available stock go negative', async () => {
    await command('/products', { sku: 'SYS-SCARCE', name: 'Scarce' });
    await command('/products/SYS-SCARCE/stock', { quantity: 3 });
    const orders = await Promise.all(
      Array.from({ length: 9 }, () => command('/orders', { customerId: 'c-rush', lines: [{ sku: 'SYS-SCARCE', quantity: 1, unitPriceCents: 1 }] })),
    );
    const statuses = await waitFor(
      async () => {
        const all = await Promise.all(orders.map((o) => query(`/orders/${o.body.orderId}`)));
        const s = all.map((r) => r.body.status);
        return s.every((x) => x === 'CONFIRMED' || x === 'REJECTED') && s;
      },
      { what: 'every rush order to settle', timeoutMs: 30000 },
    );
    const product = await waitFor(
      async () => {
        const r = await query('/products/SYS-SCARCE');
        return r.body.reserved === 3 && r.body;
      },
      { what: 'three reservations' },
    );

    expect(statuses.filter((s) => s === 'CONFIRMED')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'REJECTED')).toHaveLength(6);
    expect(product.available).toBe(0);
  });

  it('renames a product: the new name is in the product read model at the returned position, the stock untouched', async () => {
    await command('/products', { sku: 'SYS-RENAME', name: 'Old name' });
    await command('/products/SYS-RENAME/stock', { quantity: 7 });
    const renamed = await command('/products/SYS-RENAME/rename', { name: 'New name' });
    const seen = await query('/products/SYS-RENAME', renamed.body.position);
    const again = await command('/products/SYS-RENAME/rename', { name: 'New name' });
    const unknown = await command('/products/SYS-NOPE/rename', { name: 'Anything' });
    const invalid = await command('/products/SYS-RENAME/rename', { name: '', sku: 'SYS-OTHER' });

    expect(renamed).toEqual({ status: 200, body: { sku: 'SYS-RENAME', version: 3, position: expect.any(String) } });
    expect(seen).toMatchObject({ status: 200, body: { sku: 'SYS-RENAME', name: 'New name', onHand: 7, reserved: 0, available: 7, version: 3 } });
    // The same name again changes nothing: no event, the version stays.
    expect(again).toMatchObject({ status: 200, body: { sku: 'SYS-RENAME', version: 3 } });
    expect(unknown).toMatchObject({ status: 404, body: { status: 404 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'sku']);
  });
});
