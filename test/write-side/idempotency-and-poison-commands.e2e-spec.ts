/**
 * Regressions of two trust defects found on the first version:
 * - one malformed command record (`"data": null`) crashed the context's consumer in parseCommand,
 *   and again after every restart: the whole context was wedged;
 * - the Idempotency-Key memory was the last 32 commands per aggregate (a busy aggregate forgot a
 *   retry within seconds and applied it twice), and the command API matched replies by command id,
 *   so 30 concurrent requests with one key and 30 bodies all got 201.
 * Black-box, through the built command-api and command-processor against the real broker.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { EventEnvelope } from '@es/event-store';
import { topics } from '@es/kafka';
import { AppProcess, dropNamespace, randomNamespace, readTopic, startApp } from '@es/testing';

describe('idempotency that holds and commands that cannot wedge a context', () => {
  const ns = randomNamespace('tip');
  const kafka = new Kafka({ clientId: 'idempotency-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const env = { ES_NAMESPACE: ns, TOPIC_PARTITIONS: '2' };
  let processor: AppProcess;
  let api: AppProcess;

  beforeAll(async () => {
    processor = await startApp('command-processor', env);
    api = await startApp('command-api', env);
  });

  afterAll(async () => {
    await Promise.all([api, processor].map((app) => app?.stop()));
    const admin = kafka.admin();
    await admin.connect();
    await dropNamespace(ns, admin);
    await admin.disconnect();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const events = async (context: 'orders' | 'inventory', aggregateId: string) =>
    (await readTopic(kafka, topics.events(ns, context), { idleMs: 1000 }))
      .map((r) => JSON.parse(r.value!) as EventEnvelope)
      .filter((e) => e.aggregateId === aggregateId);

  it('recognises a retried stock receipt after 200 other commands reached the same product', async () => {
    expect((await post('/products', { sku: 'BUSY-1', name: 'Busy' })).status).toBe(201);
    const first = await post('/products/BUSY-1/stock', { quantity: 7 }, { 'Idempotency-Key': 'receipt-0' });
    for (let i = 1; i <= 200; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) => post('/products/BUSY-1/stock', { quantity: 1 }, { 'Idempotency-Key': `receipt-${i + j}` })),
      );
      expect(batch.filter((r) => r.status !== 200)).toEqual([]);
    }
    const retry = await post('/products/BUSY-1/stock', { quantity: 7 }, { 'Idempotency-Key': 'receipt-0' });

    expect(first.status).toBe(200);
    expect(retry).toEqual({ status: 200, body: first.body });
    const receipts = (await events('inventory', 'BUSY-1')).filter((e) => e.type === 'StockReceived');
    expect(receipts).toHaveLength(201);
    expect(receipts.reduce((n, e) => n + (e.payload as { quantity: number }).quantity, 0)).toBe(207);
  });

  it('answers 30 concurrent requests with one Idempotency-Key and 30 bodies with one 201 and 29 422s', async () => {
    expect((await post('/products', { sku: 'KEY-1', name: 'Key' })).status).toBe(201);
    const key = `same-key-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post('/orders', { customerId: `c-${i}`, lines: [{ sku: 'KEY-1', quantity: i + 1, unitPriceCents: 100 }] }, { 'Idempotency-Key': key }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();

    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(29);
    const winner = results.find((r) => r.status === 201)!;
    expect(await events('orders', String(winner.body.orderId))).toHaveLength(1);
  });

  it('consumes a command record with "data": null, answers nothing wrong, and keeps deciding the commands behind it — also after a restart', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const poison = (aggregateId: string, partition: number) => ({
      key: aggregateId,
      partition,
      value: JSON.stringify({
        commandId: randomUUID(),
        type: 'PlaceOrder',
        context: 'orders',
        aggregateId,
        data: null,
        correlationId: 'poison',
        causationId: null,
        fingerprint: 'x',
        replyTo: null,
        sentAt: new Date().toISOString(),
      }),
    });
    // One poison record per partition, so whichever partition the next order lands on is behind one.
    await producer.send({
      topic: topics.commands(ns, 'orders'),
      messages: [poison('p-0', 0), poison('p-1', 1), { key: 'junk', partition: 0, value: 'not json' }],
    });
    await producer.disconnect();
    expect((await post('/products', { sku: 'AFTER-1', name: 'After' })).status).toBe(201);
    const order = await post('/orders', { customerId: 'c-after', lines: [{ sku: 'AFTER-1', quantity: 1, unitPriceCents: 100 }] });
    expect(order.status).toBe(201);

    await processor.kill();
    processor = await startApp('command-processor', env);
    const again = await post('/orders', { customerId: 'c-after-restart', lines: [{ sku: 'AFTER-1', quantity: 1, unitPriceCents: 100 }] });
    expect(again.status).toBe(201);
    expect((await fetch(`${processor.url}/health`)).status).toBe(200);
  });
});
