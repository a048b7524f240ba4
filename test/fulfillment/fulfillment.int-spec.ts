import { availableStock, productDecider, type ProductEvent } from '@es/domain';
import { AppProcess, randomNamespace, startApp, waitFor, WriteSideHarness } from '@es/testing';

describe('the fulfillment process', () => {
  const harness = new WriteSideHarness(randomNamespace());
  const apps: AppProcess[] = [];

  const settled = (orderIds: string[]) =>
    waitFor(
      async () => {
        const orders = await harness.orders();
        return orderIds.every((id) => ['CONFIRMED', 'REJECTED'].includes(orders.get(id)?.state.status ?? '')) && orders;
      },
      { timeoutMs: 90000, intervalMs: 500, what: `${orderIds.length} orders to be confirmed or rejected` },
    );

  beforeAll(async () => {
    await harness.start();
    apps.push(await startApp('command-processor', harness.env));
    apps.push(await startApp('fulfillment-saga', harness.env));
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await harness.stop();
  });

  it('never oversells: with stock N and 3N concurrent single-unit orders exactly N are confirmed', async () => {
    const N = 20;
    await harness.registerProduct('OVERSELL', N);
    const orderIds = await Promise.all(Array.from({ length: 3 * N }, () => harness.placeOrder([{ sku: 'OVERSELL', quantity: 1 }])));
    const orders = await settled(orderIds);
    const statuses = orderIds.map((id) => orders.get(id)!.state.status);
    const product = (await harness.products()).get('OVERSELL')!;
    // Replay the product's history: available must never have gone below zero at any event.
    let state = productDecider.initialState();
    let lowest = Infinity;
    for (const e of product.events) {
      state = productDecider.evolve(state, { type: e.type, data: e.payload } as ProductEvent);
      lowest = Math.min(lowest, availableStock(state));
    }

    expect(statuses.filter((s) => s === 'CONFIRMED')).toHaveLength(N);
    expect(statuses.filter((s) => s === 'REJECTED')).toHaveLength(2 * N);
    expect(product.state.reserved).toBe(N);
    expect(availableStock(product.state)).toBe(0);
    expect(lowest).toBeGreaterThanOrEqual(0);
  });

  it('rejects an order with a line that cannot be reserved and releases the lines that were', async () => {
    await harness.registerProduct('MULTI-A', 10);
    await harness.registerProduct('MULTI-B', 1);
    const orderId = await harness.placeOrder([
      { sku: 'MULTI-A', quantity: 4 },
      { sku: 'MULTI-B', quantity: 2 },
      { sku: 'MULTI-UNKNOWN', quantity: 1 },
    ]);
    const orders = await settled([orderId]);
    const order = orders.get(orderId)!.state;
    const products = await waitFor(
      async () => {
        const p = await harness.products();
        return p.get('MULTI-A')!.state.reserved === 0 && p;
      },
      { what: 'the reservation of MULTI-A to be released' },
    );
    const rejected = orders.get(orderId)!.events.find((e) => e.type === 'OrderRejected')!.payload as { reason: string };

    expect(order.status).toBe('REJECTED');
    expect(rejected.reason).toContain('MULTI-B');
    expect(rejected.reason).toContain('MULTI-UNKNOWN');
    expect(availableStock(products.get('MULTI-A')!.state)).toBe(10);
    expect(availableStock(products.get('MULTI-B')!.state)).toBe(1);
  });

  it('releases the stock of a cancelled confirmed order and commits the stock of a shipped one', async () => {
    await harness.registerProduct('LIFE', 10);
    const cancelled = await harness.placeOrder([{ sku: 'LIFE', quantity: 3 }]);
    const shipped = await harness.placeOrder([{ sku: 'LIFE', quantity: 2 }]);
    await settled([cancelled, shipped]);
    await harness.send('orders', 'CancelOrder', cancelled, { orderId: cancelled, reason: 'changed my mind' });
    await harness.send('orders', 'ShipOrder', shipped, { orderId: shipped });

    const life = await waitFor(
      async () => {
        const p = (await harness.products()).get('LIFE')!.state;
        return p.reserved === 0 && p.onHand === 8 && p;
      },
      { what: 'release and commit to reach the product' },
    );
    expect(availableStock(life)).toBe(8);
  });
});
