/**
 * Regression: an event the fulfillment process cannot react to (undecodable bytes, or an envelope
 * whose payload the reactions choke on) used to crash the saga's consumer on every redelivery, and
 * every later order of that partition stayed PENDING. Now it is skipped, logged and counted.
 */
import { randomUUID } from 'node:crypto';
import { topics } from '@es/kafka';
import { AppProcess, randomNamespace, readTopic, startApp, waitFor, WriteSideHarness } from '@es/testing';

describe('the fulfillment process and poison events', () => {
  const harness = new WriteSideHarness(randomNamespace('tsp'), 1);
  const apps: AppProcess[] = [];
  let saga: AppProcess;

  beforeAll(async () => {
    await harness.start();
    apps.push(await startApp('command-processor', harness.env));
    saga = await startApp('fulfillment-saga', harness.env);
    apps.push(saga);
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await harness.stop();
  });

  it('skips an undecodable event and an OrderPlaced whose lines are not a list; the orders behind them are decided', async () => {
    await harness.registerProduct('AFTER-POISON', 5);
    // An order first: the processor then holds the orders partition in memory. (A processor that had
    // to rebuild this partition from its events would stop on the garbage instead — by design.)
    await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 1 }]);
    const producer = harness.kafka.producer();
    await producer.connect();
    const orderId = randomUUID();
    await producer.send({
      topic: topics.events(harness.namespace, 'orders'),
      messages: [
        { key: 'garbage', value: Buffer.from([0x7b, 0x00, 0xff]) },
        {
          key: orderId,
          value: JSON.stringify({
            eventId: randomUUID(), type: 'OrderPlaced', schemaVersion: 2, context: 'orders', aggregateType: 'Order', aggregateId: orderId, version: 1,
            commandId: randomUUID(), correlationId: 'poison', causationId: null, occurredAt: new Date().toISOString(),
            payload: { orderId, customerId: 'c', lines: null, totalCents: 0 },
          }),
        },
      ],
    });
    await producer.disconnect();

    const placed = await harness.placeOrder([{ sku: 'AFTER-POISON', quantity: 2 }]);
    const confirmed = async () =>
      (await readTopic(harness.kafka, topics.events(harness.namespace, 'orders'), { idleMs: 500 })).some((r) => r.key === placed && r.value?.includes('"OrderConfirmed"'));
    await waitFor(confirmed, { timeoutMs: 60000, intervalMs: 500, what: 'the order behind the poison events to be confirmed' });

    const metrics = await (await fetch(`${saga.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`es_saga_skipped_events_total\\{topic="${harness.namespace}\\.orders\\.events"[^}]*\\} 2`));
    expect((await fetch(`${saga.url}/health`)).status).toBe(200);
  });
});
