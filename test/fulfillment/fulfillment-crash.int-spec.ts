import { randomUUID } from 'node:crypto';
import { AppProcess, randomNamespace, startApp, waitFor, WriteSideHarness } from '@es/testing';

const ORDERS = 1000;
const PRODUCTS = Array.from({ length: 8 }, (_, i) => `CRASH-${i}`);

describe('the fulfillment process when the saga and then the command processor are SIGKILLed mid-stream', () => {
  const harness = new WriteSideHarness(randomNamespace(), 3, 60000);
  let processor: AppProcess;
  let saga: AppProcess;

  beforeAll(async () => {
    await harness.start();
    processor = await startApp('command-processor', harness.env);
    saga = await startApp('fulfillment-saga', harness.env);
  });

  afterAll(async () => {
    await Promise.all([processor?.stop(), saga?.stop()]);
    await harness.stop();
  });

  it('ends every order CONFIRMED or REJECTED exactly once and keeps reserved equal to the open confirmed quantities', async () => {
    // Enough stock for about half of the demand, so both outcomes happen.
    for (const sku of PRODUCTS) await harness.registerProduct(sku, 150);
    const placed: string[] = [];
    const stream = (async () => {
      for (let i = 0; i < ORDERS; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, ORDERS - i) }, async (_, j) => {
            const orderId = randomUUID();
            const lines = [{ sku: PRODUCTS[(i + j) % PRODUCTS.length], quantity: 1 + ((i + j) % 3) }];
            if ((i + j) % 4 === 0) lines.push({ sku: PRODUCTS[(i + j + 3) % PRODUCTS.length], quantity: 1 });
            // A send that times out during the outage is retried with the same command id.
            const commandId = `place-${orderId}`;
            for (let attempt = 0; ; attempt += 1) {
              try {
                await harness.send(
                  'orders',
                  'PlaceOrder',
                  orderId,
                  { orderId, customerId: 'c', lines: lines.map((l) => ({ ...l, unitPriceCents: 100 })) },
                  commandId,
                );
                placed.push(orderId);
                return;
              } catch (error) {
                if (attempt > 5) throw error;
              }
            }
          }),
        );
      }
    })();
    await waitFor(() => placed.length >= ORDERS / 4, { what: 'a quarter of the orders', timeoutMs: 60000 });
    await saga.kill();
    saga = await startApp('fulfillment-saga', harness.env);
    await waitFor(() => placed.length >= ORDERS / 2, { what: 'half of the orders', timeoutMs: 90000 });
    await processor.kill();
    processor = await startApp('command-processor', harness.env);
    await stream;

    const orders = await waitFor(
      async () => {
        const o = await harness.orders();
        return placed.every((id) => ['CONFIRMED', 'REJECTED'].includes(o.get(id)?.state.status ?? '')) && o;
      },
      { timeoutMs: 120000, intervalMs: 1000, what: 'every order to settle' },
    );
    const products = await harness.products();
    const decisions = placed.map((id) => orders.get(id)!.events.filter((e) => e.type === 'OrderConfirmed' || e.type === 'OrderRejected').length);
    const expectedReserved = new Map<string, number>();
    for (const id of placed) {
      const order = orders.get(id)!.state;
      if (order.status !== 'CONFIRMED') continue;
      for (const line of order.lines) expectedReserved.set(line.sku, (expectedReserved.get(line.sku) ?? 0) + line.quantity);
    }

    expect(placed).toHaveLength(ORDERS);
    expect(decisions.every((n) => n === 1)).toBe(true);
    expect(new Set(placed.map((id) => orders.get(id)!.state.status))).toEqual(new Set(['CONFIRMED', 'REJECTED']));
    for (const sku of PRODUCTS) {
      expect({ sku, reserved: products.get(sku)!.state.reserved }).toEqual({ sku, reserved: expectedReserved.get(sku) ?? 0 });
    }
  });
});
